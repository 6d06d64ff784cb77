// The shape of one corpus case (test/corpus/cases/*.ts): a leak pattern that `not.toLeak` must catch,
// or a look-alike that it must pass. Cases are plain modules with no runner imports, so the same file
// runs under Jest (babel) and every Vitest pool. Each case owns its classes and its long-lived state,
// so cases never count each other's objects, and each case can run many times in one process (the
// soak repeats the corpus): a leak keeps leaking on every pass, a look-alike keeps passing.
import type { ClassTargets, LeakCheckOptions } from 'trackref';

interface CaseBase {
  /** Short, unique, written as a user would describe the pattern. */
  name: string;
  /** What `not.toLeak` counts. */
  target: ClassTargets;
  /** The function under test, as a user would pass it to `expect(fn)`. */
  fn: () => unknown;
  /** Options for the assertion (e.g. `growth: 'every-run'` for a bounded cache). */
  options?: LeakCheckOptions;
}

export interface LeakCase extends CaseBase {
  kind: 'leak';
  /**
   * A fragment the report's retainer path must contain: the reference that holds the leaked
   * object, written as the report writes it, without array indices or keys that change from pass
   * to pass (e.g. `bus listeners 'response'`, `scheduler.queue[`).
   */
  heldBy: string;
}

export interface LookAlikeCase extends CaseBase {
  kind: 'look-alike';
  /** Why this is not a leak. */
  because: string;
}

export type CorpusCase = LeakCase | LookAlikeCase;
