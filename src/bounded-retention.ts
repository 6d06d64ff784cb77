/**
 * The per-test guard's rule for "library leaks" (LeakCanary's term): an object a library keeps in a
 * slot of one value — the last value a validator checked, the last request a client sent — is alive
 * when the test that made it ends, and is let go when the library's next use replaces it. The guard
 * has no warm-up, so without this rule it blames the test that used the library last.
 *
 * A test is not failed for such objects when every object it left alive:
 * - was explained (its retainer path looked up), and
 * - is held through a library slot (library-slot.ts: a module variable of code under node_modules,
 *   then named properties and closure variables only — no collection, no runtime holder, no variable
 *   of the user's code on the whole path), and
 * - is the only one of the test's objects in that slot's holder (one per slot: a chain of objects
 *   hanging from one variable is growth), and
 * - the object that slot held for an earlier test is no longer held through it: the slot was
 *   overwritten, not appended to (checked when the slot is seen again, by the caller: `previous`).
 * Anything else fails as before. Pure: reads report data and a ledger of weak references, never keeps
 * an object strongly.
 */
import type { LibrarySlot } from './library-slot';
import type { LeakedInstance, LeakRow } from './report';

/** A test's objects that are all held by library slots, one per slot. */
export interface SlotHeld {
  instance: LeakedInstance;
  slot: LibrarySlot;
}

/**
 * The instances of `rows` held by library slots, one per slot, when that is every leaking instance
 * of the rows; otherwise why not (a string). Rows' instances must have been explained.
 */
export function heldBySlotsOnly(rows: readonly LeakRow[]): SlotHeld[] | string {
  const leaking = rows.filter((row) => row.leaking);
  if (leaking.length === 0) return 'nothing leaked';
  const held: SlotHeld[] = [];
  const keys = new Set<string>();
  for (const row of leaking) {
    if (row.oldest.length < row.leaked) return `only ${row.oldest.length} of the ${row.leaked} ${row.className} objects were explained`;
    for (const instance of row.oldest) {
      const slot = instance.librarySlot;
      if (slot === undefined) return `a ${row.className} is held by ${instance.retainerPath ?? 'an unknown path'}`;
      if (keys.has(slot.key)) return `more than one object is held through ${slot.holder.split(/[.[ ]/)[0]} (${slot.package}): not a slot of one value`;
      keys.add(slot.key);
      held.push({ instance, slot });
    }
  }
  return held;
}

/** The last object each library slot was seen holding, weakly, and the test that made it. */
export class SlotOccupants {
  readonly #byKey = new Map<string, { ref: WeakRef<object>; test: string }>();

  /** The object `key`'s slot held for an earlier test, when it is still alive (the caller then checks where it is held). */
  previous(key: string): { ref: WeakRef<object>; test: string } | undefined {
    const entry = this.#byKey.get(key);
    if (entry === undefined || entry.ref.deref() === undefined) return undefined;
    return entry;
  }

  /** Records `obj` (weakly) as what `key`'s slot holds now. */
  record(key: string, obj: object, test: string): void {
    this.#byKey.set(key, { ref: new WeakRef(obj), test });
  }
}

/** The report line for an instance a library slot holds. */
export function slotLine(slot: LibrarySlot): string {
  return `kept by a library's last-value slot: ${slot.holder} (${slot.package}; not counted: bounded, one per slot)`;
}

/**
 * Notes on each instance of `rows` that a library slot holds: not counted when it is the only one of
 * the test's objects held through that slot's variable, counted when several are (growth).
 */
export function noteSlots(rows: readonly LeakRow[]): Set<LeakedInstance> {
  const notCounted = new Set<LeakedInstance>();
  const instances = rows.flatMap((row) => row.oldest);
  const perKey = new Map<string, number>();
  for (const { librarySlot } of instances) {
    if (librarySlot !== undefined) perKey.set(librarySlot.key, (perKey.get(librarySlot.key) ?? 0) + 1);
  }
  for (const instance of instances) {
    const slot = instance.librarySlot;
    if (slot === undefined) continue;
    const shared = perKey.get(slot.key)!;
    if (shared === 1) notCounted.add(instance);
    instance.holderNote =
      shared === 1 ? slotLine(slot) : `held through a library's variable with ${shared - 1} more of the test's objects: ${slot.holder} (${slot.package}; counted: not one per slot)`;
  }
  return notCounted;
}
