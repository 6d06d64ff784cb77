// Leak: per-spider state kept in a WeakMap "so it can't leak": but the key is the spider, which
// lives for the whole crawl, and the value is a list every scraped Item is appended to. A WeakMap
// only lets go of values when their key dies.
import { ObjectRef, track } from 'trackref';
import type { LeakCase } from '../../case';

class Spider extends ObjectRef {
  constructor(readonly name: string) {
    super();
  }
}

// A library's item class: not an ObjectRef, its instances are tracked one by one with track().
class Item {
  constructor(readonly title: string) {}
}

const itemsBySpider = new WeakMap<Spider, Item[]>();
const spider = new Spider('books');
let next = 0;

function scrape(): void {
  const item = track(new Item(`Book ${next++}`));
  let items = itemsBySpider.get(spider);
  if (items === undefined) itemsBySpider.set(spider, (items = []));
  items.push(item);
}

export default {
  kind: 'leak',
  name: 'WeakMap value under a key that never dies',
  target: Item,
  fn: scrape,
  heldBy: 'itemsBySpider.get(spider)[',
} satisfies LeakCase;
