/**
 * Objects trackref itself creates while counting (maps, lists of counts and instances): marked so
 * that a check whose target is a built-in class (Map, Array…) never counts the checker's own.
 * A WeakSet: marking never keeps anything alive.
 */
const owned = new WeakSet<object>();

/** Marks an object as trackref's own and returns it. */
export function own<T extends object>(obj: T): T {
  owned.add(obj);
  return obj;
}

export function isOwn(obj: object): boolean {
  return owned.has(obj);
}
