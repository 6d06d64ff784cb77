// Leak: a helper caches its results on a property of itself (`extractPrice.cache`), keyed by URL;
// the function lives as long as the module, and the cache is never trimmed.
import type { LeakCase } from '../../case';

class Item {
  constructor(readonly url: string, readonly price: number) {}
}

function extractPrice(url: string): Item {
  const cached = extractPrice.cache[url];
  if (cached !== undefined) return cached;
  return (extractPrice.cache[url] = new Item(url, 19.99));
}
extractPrice.cache = {} as Record<string, Item>;

let next = 0;

export default {
  kind: 'leak',
  name: 'cache stored as a property of a function',
  target: Item,
  fn: () => extractPrice(`http://shop.test/price/${next++}`).price,
  heldBy: 'extractPrice.cache[',
} satisfies LeakCase;
