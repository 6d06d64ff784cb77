/**
 * Birth ledgers: while a leak check runs, every tracked object created (or passed to `track()`) is
 * counted per class, and a FinalizationRegistry counts it back down when it is collected. What is
 * left is "born during the check and still alive", an upper bound of how much a class grew.
 * A ledger only holds classes, counts and (when asked) weak references to the births; neither they
 * nor the FinalizationRegistry ever keep an object alive.
 *
 * Every ledger shares one FinalizationRegistry that lives as long as this module, and none may ever
 * be created per ledger: on Node 20, a registry that became garbage while its callbacks were pending
 * was seen to stop V8 from running any FinalizationRegistry callback in the isolate again (the
 * user's too), after a few checks in a row (test/unit/births.test.ts).
 *
 * A young-first ledger (`openYoungLedger`, for the per-test guard) keeps the births in a WeakSet
 * instead and registers nothing: a FinalizationRegistry entry or a WeakRef is strong to a scavenge
 * (V8's young-generation collection), so it would keep every birth alive until a full collection,
 * while a WeakSet entry whose key died is dropped by a scavenge too. Birth sets (`openBirthSets`,
 * for a passing check's births) do the same per counted key, and capture no allocation sites.
 */
import { requireSlowPath } from './clock';
import { own } from './own-objects';
import { capturesAllSites, endSiteBook } from './allocation';
import { liveEntries } from './weak-count';

/** What every open ledger is told of each tracked birth. */
interface BirthRecorder {
  record(obj: object, cls: AnyClass): void;
}

export type AnyClass = abstract new (...args: never[]) => unknown;

/** What a registration holds: the ledger to count down and the class (one per ledger and class). */
interface BirthKind {
  readonly ledger: BirthLedger;
  readonly cls: AnyClass;
}

const deaths = new FinalizationRegistry<BirthKind>(({ ledger, cls }) => {
  ledger.alive.set(cls, (ledger.alive.get(cls) ?? 1) - 1);
});

export class BirthLedger {
  /** Objects born since the ledger opened and not yet collected, per concrete class. */
  readonly alive = new Map<AnyClass, number>();
  #open = true;
  readonly #kinds = own(new Map<AnyClass, BirthKind>());
  /** Weak references to the births, while there are at most `#bornLimit`; undefined once there are more. */
  #born: Array<WeakRef<object>> | undefined;
  readonly #bornLimit: number;

  constructor(bornLimit: number) {
    this.#bornLimit = bornLimit;
    this.#born = bornLimit > 0 ? own([]) : undefined;
  }

  record(obj: object, cls: AnyClass): void {
    this.alive.set(cls, (this.alive.get(cls) ?? 0) + 1);
    if (this.#born !== undefined) {
      // Not marked as trackref's own (unlike the arrays): only tracked classes are counted from them,
      // and a WeakSet entry per birth would grow that set's table for good.
      if (this.#born.length < this.#bornLimit) this.#born.push(new WeakRef(obj));
      else this.#born = undefined;
    }
    let kind = this.#kinds.get(cls);
    if (kind === undefined) {
      kind = own({ ledger: this, cls });
      this.#kinds.set(cls, kind);
    }
    deaths.register(obj, kind);
  }

  /** Births still alive whose class is `target` or extends it, excluding the `ignored` classes. */
  aliveOf(target: AnyClass, isIgnored: (cls: AnyClass) => boolean): number {
    let total = 0;
    for (const [cls, count] of this.alive) {
      if (count > 0 && extendsClass(cls, target) && !isIgnored(cls)) {
        total += count;
      }
    }
    return total;
  }

  /**
   * The births still alive (a fresh array: drop it soon), or undefined when the ledger was opened
   * without keeping references or more objects were born than it keeps.
   */
  bornAlive(): object[] | undefined {
    if (this.#born === undefined) return undefined;
    const alive = own<object[]>([]);
    for (const ref of this.#born) {
      const obj = ref.deref();
      if (obj !== undefined) alive.push(obj);
    }
    return alive;
  }

  /**
   * The weak references to the births (undefined when they are not kept or were too many). Still
   * valid after `close()` if taken before it: for finding born objects again once the check is over.
   */
  bornRefs(): ReadonlyArray<WeakRef<object>> | undefined {
    return this.#born;
  }

  close(): void {
    // Registrations still pending keep the ledger (their held value) alive: let go of the references now.
    this.#born = undefined;
    if (this.#open) {
      this.#open = false;
      openLedgers.delete(this);
      siteUsers--;
      if (requireSlowPath(-1) === 0) endSiteBook();
    }
  }
}

const openLedgers = new Set<BirthRecorder>();

/** Open ledgers whose births need an allocation site (all but birth sets). */
let siteUsers = 0;

/**
 * True when a tracked birth's allocation stack must be captured: some open ledger reports sites, or
 * `captureAllocationSites(true)` is on. A passing check's birth sets alone need none (a stack per
 * birth cost more than the rest of such a check).
 */
export function sitesWanted(): boolean {
  return siteUsers > 0 || capturesAllSites();
}

/**
 * Opens a ledger. With `keepBorn` > 0 it also keeps weak references to up to that many births, so
 * that a heap count can find them without scanning the heap.
 */
export function openLedger(keepBorn = 0): BirthLedger {
  const ledger = new BirthLedger(keepBorn);
  openLedgers.add(ledger);
  siteUsers++;
  requireSlowPath(1);
  return ledger;
}

/**
 * A ledger that keeps the births (of the classes `counts` accepts) as WeakSet entries only: no
 * FinalizationRegistry entry, no WeakRef, so a scavenge can collect young births and drop their
 * entries. `live()` counts what is left: zero proves that every birth is dead, whatever collected
 * it. Holds no strong reference to a birth; the per-class verdicts are cached (classes, not births).
 */
export class YoungBirthLedger implements BirthRecorder {
  readonly #born = own(new WeakSet<object>());
  readonly #counts: (cls: AnyClass) => boolean;
  readonly #accepted = own(new Map<AnyClass, boolean>());
  #recorded = 0;
  #open = true;

  constructor(counts: (cls: AnyClass) => boolean) {
    this.#counts = counts;
  }

  record(obj: object, cls: AnyClass): void {
    let accepted = this.#accepted.get(cls);
    if (accepted === undefined) {
      accepted = this.#counts(cls);
      this.#accepted.set(cls, accepted);
    }
    if (!accepted) return;
    this.#born.add(obj);
    this.#recorded++;
  }

  /** How many births were recorded (dead or alive). */
  get recorded(): number {
    return this.#recorded;
  }

  /** Births not yet collected (as of the last collection that reached them); undefined if Node cannot count them. */
  live(): number | undefined {
    return this.#recorded === 0 ? 0 : liveEntries(this.#born);
  }

  /** Stops recording; the births recorded stay countable. */
  close(): void {
    if (this.#open) {
      this.#open = false;
      openLedgers.delete(this);
      this.#accepted.clear();
      siteUsers--;
      if (requireSlowPath(-1) === 0) endSiteBook();
    }
  }
}

/**
 * Opens a young-first ledger recording the births of the classes `counts` accepts (asked once per
 * class). Check `canCountWeakSets()` (./weak-count) first: where it is false, `live()` cannot count.
 */
export function openYoungLedger(counts: (cls: AnyClass) => boolean): YoungBirthLedger {
  const ledger = new YoungBirthLedger(counts);
  openLedgers.add(ledger);
  siteUsers++;
  requireSlowPath(1);
  return ledger;
}

/**
 * Births counted per key (a check's target, or a concrete class) as WeakSet entries: like the
 * young-first ledger, nothing keeps a birth alive through a scavenge, so after `collectYoung()` a
 * count of zero proves every birth of that key dead, and after a full collection each count is
 * exact. Records tracked births (through `recordBirth`) and any object handed to `add` (the
 * constructor hook's). Holds classes and keys strongly, births never; captures no allocation site.
 */
export class BirthSets<K> implements BirthRecorder {
  readonly #sets = own(new Map<K, WeakSet<object>>());
  readonly #keysOf: (cls: AnyClass) => readonly K[];
  readonly #keysCache = own(new Map<AnyClass, readonly K[]>());
  #open = true;

  /** `keysOf(cls)`: the keys a tracked birth of class `cls` counts toward (asked once per class). */
  constructor(keysOf: (cls: AnyClass) => readonly K[]) {
    this.#keysOf = keysOf;
  }

  record(obj: object, cls: AnyClass): void {
    let keys = this.#keysCache.get(cls);
    if (keys === undefined) {
      keys = own([...this.#keysOf(cls)]);
      this.#keysCache.set(cls, keys);
    }
    for (const key of keys) this.add(obj, key);
  }

  /** Counts `obj` toward `key` (once, however often it is added). */
  add(obj: object, key: K): void {
    let set = this.#sets.get(key);
    if (set === undefined) {
      set = own(new WeakSet<object>());
      this.#sets.set(key, set);
    }
    set.add(obj);
  }

  /** The keys anything was counted toward so far. */
  keys(): K[] {
    return [...this.#sets.keys()];
  }

  /** Whether anything was ever counted toward `key` (dead or alive). */
  anyBorn(key: K): boolean {
    return this.#sets.has(key);
  }

  /**
   * Births of `key` not yet collected (as of the last collection that reached them), or undefined
   * when this Node cannot count a WeakSet's entries.
   */
  live(key: K): number | undefined {
    const set = this.#sets.get(key);
    return set === undefined ? 0 : liveEntries(set);
  }

  /** Stops recording tracked births; the counts stay readable. */
  close(): void {
    if (this.#open) {
      this.#open = false;
      openLedgers.delete(this);
      this.#keysCache.clear();
      if (requireSlowPath(-1) === 0) endSiteBook();
    }
  }
}

/**
 * Opens birth sets (see BirthSets). Check `canCountWeakSets()` (./weak-count) first: where it is
 * false, `live()` cannot count.
 */
export function openBirthSets<K>(keysOf: (cls: AnyClass) => readonly K[]): BirthSets<K> {
  const sets = new BirthSets(keysOf);
  openLedgers.add(sets);
  requireSlowPath(1);
  return sets;
}

/** Called from the stamping slow path for every tracked birth while any ledger is open. */
export function recordBirth(obj: object, cls: AnyClass): void {
  for (const ledger of openLedgers) {
    ledger.record(obj, cls);
  }
}

/** True when `cls` is `base` or a subclass of it. */
export function extendsClass(cls: AnyClass, base: AnyClass): boolean {
  return cls === base || cls.prototype instanceof base;
}
