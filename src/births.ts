/**
 * Birth ledgers: while a leak check runs, every tracked object created (or passed to `track()`) is
 * counted per class, and a FinalizationRegistry counts it back down when it is collected. What is
 * left is "born during the check and still alive", an upper bound of how much a class grew.
 * A ledger only holds classes and counts; the FinalizationRegistry never keeps an object alive.
 */
import { requireSlowPath } from './clock';

export type AnyClass = abstract new (...args: never[]) => unknown;

export class BirthLedger {
  /** Objects born since the ledger opened and not yet collected, per concrete class. */
  readonly alive = new Map<AnyClass, number>();
  #open = true;
  readonly #finalizer = new FinalizationRegistry<AnyClass>((cls) => {
    this.alive.set(cls, (this.alive.get(cls) ?? 1) - 1);
  });

  record(obj: object, cls: AnyClass): void {
    this.alive.set(cls, (this.alive.get(cls) ?? 0) + 1);
    this.#finalizer.register(obj, cls);
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

  close(): void {
    if (this.#open) {
      this.#open = false;
      openLedgers.delete(this);
      requireSlowPath(-1);
    }
  }
}

const openLedgers = new Set<BirthLedger>();

export function openLedger(): BirthLedger {
  const ledger = new BirthLedger();
  openLedgers.add(ledger);
  requireSlowPath(1);
  return ledger;
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
