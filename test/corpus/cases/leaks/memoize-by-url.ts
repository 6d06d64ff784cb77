// Leak: a generic `memoize` helper wraps the item extractor at module level; its cache is keyed by
// URL string and never evicts, so every extracted Item stays cached.
import type { LeakCase } from '../../case';

class Item {
  constructor(readonly url: string, readonly title: string) {}
}

function memoize<R>(compute: (key: string) => R): (key: string) => R {
  const cache = new Map<string, R>();
  return function memoized(key: string): R {
    if (!cache.has(key)) cache.set(key, compute(key));
    return cache.get(key)!;
  };
}

const extractItem = memoize((url) => new Item(url, `Product at ${url}`));
let next = 0;

export default {
  kind: 'leak',
  name: 'module-level memoize keyed by URL',
  target: Item,
  fn: () => extractItem(`http://shop.test/memo/${next++}`).title,
  heldBy: 'extractItem → memoized() → cache.get(',
} satisfies LeakCase;
