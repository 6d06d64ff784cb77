// Leak: an item pipeline batches items and flushes them to the database when the batch holds
// 10,000 items; the timed flush for small crawls was never written, so below that size every
// item waits in the buffer for good.
import { ObjectRef } from 'trackref';
import type { LeakCase } from '../../case';

class Item extends ObjectRef {
  constructor(readonly sku: string, readonly price: number) {
    super();
  }
}

class BatchingPipeline {
  private buffer: Item[] = [];
  flushed = 0;
  constructor(private readonly batchSize: number) {}
  add(item: Item): void {
    this.buffer.push(item);
    if (this.buffer.length >= this.batchSize) this.flush();
  }
  flush(): void {
    this.flushed += this.buffer.length;
    this.buffer = [];
  }
}

const pipeline = new BatchingPipeline(10_000);
let next = 0;

export default {
  kind: 'leak',
  name: 'batch buffer that is never flushed',
  target: Item,
  fn: () => pipeline.add(new Item(`sku-${next++}`, 5)),
  heldBy: 'pipeline.buffer[',
} satisfies LeakCase;
