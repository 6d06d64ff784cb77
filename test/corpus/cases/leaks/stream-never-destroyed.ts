// Leak: an export pipeline opens an object-mode PassThrough per feed and keeps it in a pool to
// reuse; nothing reads or destroys it, so every item written to it waits in its buffer forever.
import { PassThrough } from 'node:stream';
import { ObjectRef } from 'trackref';
import type { LeakCase } from '../../case';

class Item extends ObjectRef {
  constructor(readonly sku: string) {
    super();
  }
}

const feedPool: PassThrough[] = [];
let next = 0;

function exportItem(): void {
  const feed = new PassThrough({ objectMode: true });
  feedPool.push(feed);
  feed.write(new Item(`sku-${next++}`));
}

export default {
  kind: 'leak',
  name: 'stream kept in a pool, never read or destroyed',
  target: Item,
  fn: exportItem,
  heldBy: 'feedPool[',
} satisfies LeakCase;
