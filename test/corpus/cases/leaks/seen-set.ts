// Leak: a dupe filter remembers the Item objects it has seen (instead of a fingerprint string) in a
// module-level Set that is never cleared, so every scraped item stays alive. Item is a plain class
// the spider does not own; it is counted on the heap, untracked.
import type { LeakCase } from '../../case';

class Item {
  constructor(readonly sku: string, readonly price: number) {}
}

const seenItems = new Set<Item>();
let next = 0;

function dedupe(item: Item): boolean {
  for (const seen of seenItems) if (seen.sku === item.sku) return false;
  seenItems.add(item);
  return true;
}

export default {
  kind: 'leak',
  name: 'Set of seen items never cleared',
  target: Item,
  fn: () => dedupe(new Item(`sku-${next++}`, 9.99)),
  heldBy: 'seenItems (Set member)',
} satisfies LeakCase;
