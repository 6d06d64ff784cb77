// Look-alike: an item pipeline hands each scraped item to the exporter on setImmediate, so the
// spider's callback returns first. The item is held by the immediate until it runs, right after fn
// returns.
import { track } from 'trackref';
import type { LookAlikeCase } from '../../case';

class Item {
  constructor(
    readonly name: string,
    readonly price: number,
  ) {}
}

const exporter = { written: 0, bytes: 0 };
let scraped = 0;

function scrape(): void {
  const item = track(new Item(`product ${scraped++}`, 9.99));
  setImmediate(() => {
    exporter.written++;
    exporter.bytes += JSON.stringify(item).length;
  });
}

export default {
  kind: 'look-alike',
  name: 'setImmediate that exports the item after fn returns',
  target: Item,
  fn: scrape,
  options: { runs: 3 },
  because: 'the immediate runs on the next turn of the event loop and then drops the item',
} satisfies LookAlikeCase;
