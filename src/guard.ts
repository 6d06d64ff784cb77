/**
 * The per-test leak guard, framework-free: the adapters call `begin` when a test starts (before its
 * beforeEach hooks) and `end` when it has finished (after its afterEach hooks). Tracked objects created
 * in that window and still alive after collection (with a short bounded back-off) are the test's
 * leaks; objects that existed before the test are never blamed on it. With `check: 'each-test'` the
 * verdict comes at the end of the test; with `check: 'end-of-file'` the windows of passed tests are
 * kept and judged together once the file's tests are done (`settlePending`), with one scavenge (and
 * a full collection only for what outlived it).
 *
 * Minor-first: a test's births are kept as WeakSet entries (a young-first ledger). When the test ends
 * (or, for 'end-of-file', the file), the guard waits a macrotask, runs a scavenge (a young-generation
 * collection, a small fraction of a full one) and counts the entries left: none left proves every
 * birth dead, and the test passes. Only when some are left (a leak, or births promoted to the old
 * generation, or held by a WeakRef as `track()` does) does it take the full-collection path, which
 * decides every verdict that fails. Where Node cannot count a WeakSet's entries, births are counted by
 * a FinalizationRegistry instead and every suspect goes to the full path.
 * A test whose survivors are all held by holders that let go by themselves is waited for
 * (self-release.ts); one whose survivors are all in libraries' last-value slots passes
 * (bounded-retention.ts): the guard has no warm-up to fill such slots before the test.
 * Never holds a tracked object beyond one synchronous scan (a slot's last occupant only weakly).
 */
import { AnyClass, BirthLedger, YoungBirthLedger, openLedger, openYoungLedger } from './births';
import { SiteBook, currentSiteBook } from './allocation';
import { explain, leakedRef, memorySample, oldestInstances } from './check';
import { explainLeaks } from './explain';
import { SlotHeld, SlotOccupants, heldBySlotsOnly, noteSlots } from './bounded-retention';
import { liveTracked } from './live-refs';
import { now, sampleNow, stamps } from './clock';
import { flushGuardRecords, recordGuardChecked, recordGuardFinding, recordGuardSkip } from './ci-report';
import { TrackrefError } from './errors';
import { backOffWhileFalling, collectGarbage, collectYoung, gcFunction, nextMacrotask, waitWhileHeld } from './gc';
import { SELF_RELEASE_LIMIT_MS, SelfReleaseWait, markRearmedTimers, selfReleaseNote, selfReleaseWait } from './self-release';
import { classOf, describeValue, stampOf } from './object-ref';
import { LeakReport, LeakRow, MemorySample, SelfRelease, createReport, leakedCount, noteNoRetainerPaths } from './report';
import { ClassTarget, ClassTargets, chainIgnorePredicate, validateTargets } from './targets';
import { canCountWeakSets } from './weak-count';

/** When the guard judges a test: right after it ('each-test'), or once its file's tests are done. */
export type GuardCheckTiming = 'each-test' | 'end-of-file';

/** What the guard can be told (the same for Jest and Vitest). */
export interface GuardOptions {
  /**
   * Classes (or class names) whose instances, and their subclasses', are never blamed on a test.
   * Names need not exist in every test file.
   */
  ignore?: ClassTargets;
  /**
   * 'each-test' (default): collect garbage after every test that created tracked objects (a
   * scavenge, and a full collection only if some survive it) and fail it right away if some are
   * still alive. 'end-of-file': judge the file's passed tests together once the file is done (after
   * its afterAll hooks), with one scavenge per file instead of one per test; an object counts as
   * leaked only if it outlived the whole file.
   */
  check?: GuardCheckTiming;
}

const OPTION_KEYS = ['ignore', 'check'] as const;
const TIMINGS: readonly GuardCheckTiming[] = ['each-test', 'end-of-file'];
/**
 * Leaking tests per guard (per test file) whose retainer paths are looked up: each costs a heap
 * snapshot (seconds on a big heap), so a file where every test leaks stays affordable.
 */
const MAX_EXPLAINED = 3;
/**
 * The wait for a leaking test beyond MAX_EXPLAINED, whose holders are not known: as long as the
 * longest wait for a known holder that lets go by itself (SELF_RELEASE_LIMIT_MS), re-counting as
 * for those, so that a test's verdict does not depend on how many tests before it leaked: a clean
 * test whose objects an idle keep-alive socket holds for 4–5 s (its AsyncLocalStorage store) failed
 * after three leaky ones with a 3 s wait, and passed on its own. A test that leaks pays it before
 * failing.
 */
const UNLOOKED_WAIT: SelfReleaseWait = {
  ms: SELF_RELEASE_LIMIT_MS,
  holders: [`anything that lets go by itself within ${SELF_RELEASE_LIMIT_MS / 1000} s (their retainer paths were not looked up)`],
};
/** Why a leaking test beyond MAX_EXPLAINED has no retainer path, and how to get one. */
const UNLOOKED_WHY =
  `not looked up: the guard finds retainer paths for the first ${MAX_EXPLAINED} leaking tests of each test file (each takes a heap snapshot); ` +
  "run this test on its own (e.g. -t '<its title>') to get them";

/** The test a guard window belongs to. */
export interface GuardTest {
  /** The test's full name, e.g. `crawler > follows links`. */
  name: string;
  /** The test file's path. */
  file?: string | undefined;
  /** True for tests the runner runs concurrently with others (their births cannot be told apart). */
  concurrent?: boolean;
}

/** One test's guard window, from `begin` to `end`. Adapters only pass it back. */
export interface GuardWindow {
  readonly test: GuardTest;
}

interface Window extends GuardWindow {
  /** The last stamp handed out before the test began: the test's objects have later stamps. */
  readonly seqStart: number;
  /** The last stamp handed out when the test ended. */
  seqEnd: number;
  readonly startedAt: number;
  readonly memoryBefore: MemorySample;
  /** The births: young-first (WeakSet entries), or counted by a FinalizationRegistry where WeakSets cannot be counted. Undefined when the test is not checked (concurrent). */
  readonly ledger: YoungBirthLedger | BirthLedger | undefined;
  /** Where the test's objects were created (read when the test is reported, maybe after the file). */
  readonly sites: SiteBook | undefined;
  /** Why the test will not be checked (another test overlapped it, or it called allowLeaks). */
  skipReason?: string;
  ended: boolean;
}

/** The stack lines to show under a failing test's report (read only for tests that fail). */
interface FramesOf {
  get(window: Window): string | undefined;
}

/** A test the guard failed, and the error to fail it with. */
export interface GuardFailure {
  window: GuardWindow;
  error: LeakGuardError;
}

/** The error a guard fails a test with: its message is the leak report. */
export class LeakGuardError extends Error {
  override name = 'LeakGuardError';
  declare readonly report: LeakReport;

  /** `frames`: stack lines (`    at …`) to show under the report, e.g. where the test is declared. */
  constructor(message: string, report: LeakReport, frames?: string) {
    super(message);
    // Not enumerable: the runners print an error's enumerable fields under its message (Vitest's
    // `Serialized Error: { report: … }`), and the message is the report already.
    Object.defineProperty(this, 'report', { value: report, enumerable: false });
    // The report is the whole message; a stack into trackref's internals would only add noise.
    this.stack = frames === undefined || frames === '' ? message : `${message}\n${frames}`;
  }
}

/** How the guard settled the tests it checked (summed over the guards of this realm, e.g. a test file). */
export interface GuardStats {
  /** Passed tests judged (not skipped, not concurrent). */
  checked: number;
  /** Judged with no collection: no tracked birth, or all of them collected already. */
  noCollection: number;
  /** Judged clean by the scavenge (every birth gone after it). */
  scavenge: number;
  /** Taken to the full-collection path (a full collection, then the back-off while anything survives). */
  fullCollection: number;
  /** Scavenges run (one per test with 'each-test', at most one per file with 'end-of-file'). */
  scavenges: number;
  /** Milliseconds in the scavenges alone. */
  scavengeMs: number;
  /** Milliseconds from the end of a test (or file) to the scavenge's verdict: the macrotask wait, the scavenge, the counts. */
  minorPathMs: number;
  /** Milliseconds in the full-collection path (collections, back-off, and the report of a leak). */
  fullPathMs: number;
  /** Passed because every object they left alive is held by a library's slot of one value (bounded-retention.ts). */
  librarySlot: number;
}

interface SharedGuardState {
  /** Windows of tests that have begun and not ended (more than one only when tests overlap). */
  active: Set<Window>;
  installed: number;
  stats?: GuardStats;
}

// On the global object, so a second copy of this module (a runner loading trackref's files twice,
// e.g. Vitest inlining a linked package) sees the same tests: allowLeaks() reaches the guard.
const STATE = Symbol.for('trackref.guard');
const shared = globalThis as unknown as Record<symbol, SharedGuardState | undefined>;
if (shared[STATE] === undefined) {
  Object.defineProperty(shared, STATE, { value: { active: new Set(), installed: 0 }, configurable: true });
}
const guardState = shared[STATE]!;
const active = guardState.active;
guardState.stats ??= { checked: 0, noCollection: 0, scavenge: 0, fullCollection: 0, scavenges: 0, scavengeMs: 0, minorPathMs: 0, fullPathMs: 0, librarySlot: 0 };
const stats = guardState.stats;

/** How the guards of this realm settled their tests so far (a live object: read it, don't keep it for later). */
export function guardStats(): Readonly<GuardStats> {
  return stats;
}
const OVERLAP = 'overlapped another test (concurrent tests): the births of overlapping tests cannot be told apart';

/** Checks guard options and says what to pass instead. */
export function parseGuardOptions(options: unknown, where = 'guardLeaks()'): GuardOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TrackrefError(`${where} takes options like { ignore: [Spider] }, but received ${describeValue(options)}.`);
  }
  const record = options as Record<string, unknown>;
  const unknownKeys = Object.keys(record).filter((key) => !(OPTION_KEYS as readonly string[]).includes(key));
  if (unknownKeys.length > 0) {
    throw new TrackrefError(
      `Unknown option${unknownKeys.length > 1 ? 's' : ''} ${unknownKeys.map((k) => `'${k}'`).join(', ')} for ${where}. ` +
        `Valid options are ${OPTION_KEYS.join(', ')} (e.g. { ignore: [Spider, 'Scheduler'], check: 'end-of-file' }); to let one test ` +
        `keep objects alive, call allowLeaks('why') inside it.`,
    );
  }
  const check = record.check;
  if (check !== undefined && !(TIMINGS as readonly unknown[]).includes(check)) {
    throw new TrackrefError(
      `Option check of ${where} must be 'each-test' (the default: judge each test when it ends) or 'end-of-file' ` +
        `(judge a file's tests together when it ends, with one scavenge per file), but it is ${describeValue(check)}.`,
    );
  }
  const ignore = validateTargets(record.ignore, 'ignore option');
  return { ...(ignore === undefined ? {} : { ignore }), ...(check === undefined ? {} : { check: check as GuardCheckTiming }) };
}

export class LeakGuard {
  #isIgnored: (cls: AnyClass) => boolean = () => false;
  #timing: GuardCheckTiming = 'each-test';
  /** Windows of passed tests waiting for the end of the file ('end-of-file'). */
  #pending: Window[] = [];
  #explained = 0;
  /** What each library slot held for the last test it was seen in (bounded-retention.ts). */
  readonly #occupants = new SlotOccupants();
  readonly #youngFirst: boolean;

  /** `tuning.youngFirst: false` counts births with a FinalizationRegistry (what happens where WeakSets cannot be counted). */
  constructor(options?: GuardOptions, tuning?: { youngFirst?: boolean }) {
    this.configure(options);
    this.#youngFirst = (tuning?.youngFirst ?? true) && canCountWeakSets();
    guardState.installed++;
  }

  /** Replaces the guard's options (the last call of `guardLeaks` wins). */
  configure(options?: GuardOptions): void {
    const parsed = parseGuardOptions(options);
    const ignore: ClassTarget[] = parsed.ignore === undefined ? [] : Array.isArray(parsed.ignore) ? [...(parsed.ignore as ClassTarget[])] : [parsed.ignore as ClassTarget];
    this.#isIgnored = chainIgnorePredicate(ignore);
    this.#timing = parsed.check ?? 'each-test';
  }

  get timing(): GuardCheckTiming {
    return this.#timing;
  }

  /** Opens the window of a test that is starting (call it before its beforeEach hooks). */
  begin(test: GuardTest): GuardWindow {
    // The test's first objects are aged from now, not from before a blocked event loop (the heap
    // snapshot of the test before).
    sampleNow();
    const concurrent = test.concurrent === true;
    const window: Window = {
      test,
      seqStart: stamps.seq,
      seqEnd: stamps.seq,
      startedAt: now(),
      memoryBefore: memorySample(),
      ledger: concurrent ? undefined : this.#youngFirst ? openYoungLedger((cls) => !this.#isIgnored(cls)) : openLedger(),
      sites: concurrent ? undefined : currentSiteBook(),
      ended: false,
      ...(concurrent ? { skipReason: 'runs concurrently (test.concurrent): the births of overlapping tests cannot be told apart' } : {}),
    };
    if (active.size > 0) {
      for (const other of active) other.skipReason ??= OVERLAP;
      window.skipReason ??= OVERLAP;
    }
    active.add(window);
    return window;
  }

  /**
   * Closes a test's window once it has finished (after its afterEach hooks). For a test that passed
   * and leaked, resolves to the error to fail it with ('each-test'), or keeps the window for
   * `settlePending` ('end-of-file'). Rejects only if the check itself broke.
   * `frames`: stack lines for the error (where the test is declared), or a function giving them,
   * called only when the test fails (reading a runner's captured stack formats it through source
   * maps, which costs more than a passing test's whole check under Jest).
   */
  async end(handle: GuardWindow, passed: boolean, frames?: string | (() => string | undefined)): Promise<LeakGuardError | undefined> {
    const window = handle as Window;
    if (window.ended) return undefined;
    window.ended = true;
    active.delete(window);
    window.seqEnd = stamps.seq;
    window.ledger?.close();
    if (!passed) return undefined;
    if (window.skipReason !== undefined || window.ledger === undefined) {
      recordGuardSkip(window.test, window.skipReason ?? 'not checked');
      return undefined;
    }
    recordGuardChecked(window.test);
    stats.checked++;
    // Nothing tracked was born in the window, or all of it was collected or is ignored.
    if (this.#survivors(window) === 0) {
      stats.noCollection++;
      return undefined;
    }
    if (this.#timing === 'end-of-file') {
      this.#pending.push(window);
      return undefined;
    }
    if ((await this.#afterScavenge([window])).length === 0) return undefined;
    const [failure] = await this.#settle([window], { get: () => (typeof frames === 'function' ? frames() : frames) });
    return failure?.error;
  }

  /**
   * Judges the windows kept by 'end-of-file' (call it once the file's tests and afterAll hooks are
   * done) and returns the tests to fail. `framesOf` gives stack lines for each failing test's error.
   */
  async settlePending(framesOf?: (window: GuardWindow) => string | undefined): Promise<GuardFailure[]> {
    const windows = await this.#afterScavenge(this.#pending);
    this.#pending = [];
    return this.#settle(windows, framesOf === undefined ? undefined : { get: framesOf });
  }

  /** Writes this test file's guard records (tests checked, skipped) to the CI report, if one is on. */
  flush(): void {
    flushGuardRecords();
  }

  /** Births of the window not known to be collected (ignored classes left out). */
  #survivors(window: Window): number {
    const ledger = window.ledger!;
    // Where the count is unknown, every birth may be alive: the full path and the heap scan decide.
    if (ledger instanceof YoungBirthLedger) return ledger.live() ?? ledger.recorded;
    let total = 0;
    for (const [cls, count] of ledger.alive) {
      if (count > 0 && !this.#isIgnored(cls)) total += count;
    }
    return total;
  }

  /**
   * The windows whose births outlived a scavenge. Waits a macrotask first (WeakRef targets read or
   * created in the current job stay alive until it ends), then scavenges once for all of them. The
   * windows it clears passed; a FinalizationRegistry-counted window is never cleared by it.
   */
  async #afterScavenge(windows: Window[]): Promise<Window[]> {
    if (!windows.some((window) => window.ledger instanceof YoungBirthLedger)) return windows;
    const started = now();
    await nextMacrotask();
    const scavengeStarted = now();
    collectYoung();
    stats.scavengeMs += now() - scavengeStarted;
    stats.scavenges++;
    const left = windows.filter((window) => this.#survivors(window) > 0);
    stats.scavenge += windows.length - left.length;
    stats.minorPathMs += now() - started;
    return left;
  }

  async #settle(windows: Window[], frames: FramesOf | undefined): Promise<GuardFailure[]> {
    const started = now();
    try {
      return await this.#settleFully(windows, frames);
    } finally {
      stats.fullPathMs += now() - started;
    }
  }

  async #settleFully(windows: Window[], frames: FramesOf | undefined): Promise<GuardFailure[]> {
    const alive = (list: Window[]): Window[] => list.filter((window) => this.#survivors(window) > 0);
    const total = (list: Window[]): number => list.reduce((sum, window) => sum + this.#survivors(window), 0);
    // V8 runs the callbacks of one FinalizationRegistry per task, and other registries (the user's)
    // may be queued before the ledgers' one: give the callbacks a few turns after a collection.
    // (A collection empties a young-first ledger's WeakSet of dead births at once.)
    const counted = windows.some((window) => !(window.ledger instanceof YoungBirthLedger));
    const drain = async (list: Window[]): Promise<void> => {
      for (let turn = 0; counted && turn < list.length && alive(list).length > 0; turn++) await nextMacrotask();
    };
    let suspects = alive(windows);
    if (suspects.length === 0) return [];
    stats.fullCollection += suspects.length;
    // One full collection settles the common case (everything the tests made is garbage); a settled
    // collection (finalizers run, then collect again) and the back-off only when something survived.
    gcFunction()();
    await nextMacrotask();
    await drain(suspects);
    suspects = alive(suspects);
    if (suspects.length === 0) return [];
    await collectGarbage();
    await drain(suspects);
    await backOffWhileFalling(total(suspects), async () => {
      await collectGarbage();
      await drain(suspects);
      return total(suspects);
    });
    suspects = alive(suspects);
    if (suspects.length === 0) return [];
    const rowsOf = survivorRows(suspects, this.#isIgnored);
    let failing = suspects.filter((window) => (rowsOf.get(window)?.length ?? 0) > 0);
    if (failing.length === 0) return [];
    const memoryAfter = memorySample();
    // Let this job end so the WeakRefs to the reported instances stop keeping them strongly.
    await nextMacrotask();
    const explainedAt = now();
    /** Tests beyond the file's explained ones: no paths, so no holders known to wait for. */
    const unlooked = new Set<Window>();
    for (const window of failing) {
      if (this.#explained >= MAX_EXPLAINED) {
        unlooked.add(window);
        noteNoRetainerPaths(rowsOf.get(window)!, UNLOOKED_WHY);
        continue;
      }
      this.#explained++;
      explain(rowsOf.get(window)!, window.seqStart);
    }
    // An object let go between its count and the snapshot (a timer that fired meanwhile) has no path:
    // count those tests again; one whose objects are all gone passes.
    const unexplained = failing.filter((window) => rowsOf.get(window)!.some((row) => row.oldest.some((instance) => instance.retainerPath === undefined && instance.whyNoRetainerPath === undefined)));
    if (unexplained.length > 0) {
      await nextMacrotask();
      await collectGarbage();
      await drain(unexplained);
      const gone = new Set(unexplained.filter((window) => this.#survivors(window) === 0));
      this.#explained -= gone.size;
      failing = failing.filter((window) => !gone.has(window));
      if (failing.length === 0) return [];
    }
    // Tests whose objects are held only by holders that let go by themselves (a timeout due soon, an
    // idle keep-alive socket…): wait for them, within a bound, and judge those tests again.
    const waits = new Map<Window, SelfReleaseWait>();
    for (const window of failing) {
      // A test whose paths were not looked up is waited for a little, blind: what a timer due soon
      // holds (a clean test after several leaky ones) must not fail it.
      const wait = unlooked.has(window) ? UNLOOKED_WAIT : selfReleaseWait(rowsOf.get(window)!);
      if (wait !== undefined) waits.set(window, wait);
    }
    const selfRelease = new Map<Window, SelfRelease>();
    if (waits.size > 0) {
      const waiting = [...waits.keys()];
      const waitStarted = now();
      await waitWhileHeld(Math.max(...[...waits.values()].map((wait) => wait.ms)), async () => {
        await collectGarbage();
        await drain(waiting);
        return alive(waiting).length > 0;
      });
      const stillHeld = new Set(alive(waiting));
      const again = survivorRows([...stillHeld], this.#isIgnored);
      const reexplain: Window[] = [];
      for (const window of waiting) {
        const rows = again.get(window) ?? [];
        const released = !stillHeld.has(window) || rows.length === 0;
        const before = leakedCount(rowsOf.get(window)!);
        const after = leakedCount(rows);
        selfRelease.set(window, { waitedMs: now() - waitStarted, holders: waits.get(window)!.holders, released, ...(released ? {} : { counts: { before, after } }) });
        // Paths were never looked up for it: none to give back, none to look up again. Its rows
        // are counted again, so that its instances' ages are as of the report, after the wait.
        if (unlooked.has(window)) {
          if (!released) {
            noteNoRetainerPaths(rows, UNLOOKED_WHY);
            rowsOf.set(window, rows);
          }
          continue;
        }
        // A test that passes after all does not use up one of the file's explained tests.
        if (released) this.#explained--;
        else {
          // What is still held after the wait may be held by another holder than before it (a
          // library's slot behind an idle socket), even when as many are left: judge and show that one.
          rowsOf.set(window, rows);
          reexplain.push(window);
        }
      }
      if (reexplain.length > 0) {
        await nextMacrotask();
        for (const window of reexplain) {
          // As of this look-up's timer clock (read as it starts): see markRearmedTimers.
          const sinceMs = now() - explainedAt;
          explain(rowsOf.get(window)!, window.seqStart);
          const outcome = selfRelease.get(window)!;
          if (markRearmedTimers(rowsOf.get(window)!, sinceMs)) outcome.rearmed = true;
        }
      }
    }
    // Tests whose objects are all held by libraries' slots of one value (bounded-retention.ts).
    const slotHeld = new Set<Window>();
    for (const window of failing) {
      if (selfRelease.get(window)?.released === true) continue;
      if (await this.#heldBySlotsOnly(window, rowsOf.get(window)!)) slotHeld.add(window);
    }
    // Tests that pass after all do not use up one of the file's explained tests.
    stats.librarySlot += slotHeld.size;
    this.#explained -= slotHeld.size;
    return failing.filter((window) => selfRelease.get(window)?.released !== true && !slotHeld.has(window)).map((window) => {
      const rows = rowsOf.get(window)!;
      const report = createReport({
        leaked: true,
        target: '',
        rows,
        warmup: 0,
        runs: 1,
        tolerance: 0,
        counting: 'heap',
        calls: 1,
        durationMs: now() - window.startedAt,
        memory: { before: window.memoryBefore, after: memoryAfter },
        guard: { test: window.test.name },
        ...(selfRelease.has(window) ? { selfRelease: selfRelease.get(window)! } : {}),
      });
      recordGuardFinding(window.test, rows);
      const hint = `leak guard: "${window.test.name}" left objects alive after it passed`;
      return { window, error: new LeakGuardError(report.format({ hint }), report, frames?.get(window)) };
    });
  }
  /**
   * Whether every object `window` left alive is held by a library's slot of one value, and each of
   * those slots let go of what it held for an earlier test (so it is overwritten, not appended to).
   * Notes the rule's outcome on each instance that a slot holds. Records the slots' new occupants.
   */
  async #heldBySlotsOnly(window: Window, rows: LeakRow[]): Promise<boolean> {
    const held = heldBySlotsOnly(rows);
    if (typeof held === 'string') {
      const notCounted = noteSlots(rows);
      // The test fails for other objects: say which of its objects are held by what lets go by itself,
      // and show the others first (the trace below the instances is that of the first one shown).
      for (const row of rows) {
        for (const instance of row.oldest) {
          const note = instance.holderNote === undefined ? selfReleaseNote(instance) : undefined;
          if (note === undefined) continue;
          instance.holderNote = note;
          notCounted.add(instance);
        }
        row.oldest.sort((a, b) => Number(notCounted.has(a)) - Number(notCounted.has(b)));
      }
      return false;
    }
    // The objects these slots held for earlier tests, if still alive: where are they held now?
    const earlier = held.map(({ slot }) => this.#occupants.previous(slot.key));
    const stillThere = earlier.some((entry) => entry !== undefined) ? await stillInSlots(held, earlier) : [];
    if (stillThere.length > 0) {
      noteSlots(rows);
      for (const { instance, slot, test } of stillThere) {
        instance.holderNote = `held by ${slot.holder} (${slot.package}), which still holds an object of the earlier test "${test}" too: it grows, counted`;
      }
      return false;
    }
    for (const { instance, slot } of held) {
      const obj = leakedRef(instance)?.deref();
      if (obj !== undefined) this.#occupants.record(slot.key, obj, window.test.name);
    }
    noteSlots(rows);
    return true;
  }
}

/**
 * The slots among `held` whose object of an earlier test (`earlier`, same order) is still held
 * through the same slot: one heap snapshot for them all.
 */
async function stillInSlots(held: SlotHeld[], earlier: Array<{ ref: WeakRef<object>; test: string } | undefined>): Promise<Array<SlotHeld & { test: string }>> {
  await nextMacrotask();
  const asked = held.map((entry, i) => ({ ...entry, earlier: earlier[i] })).filter((entry) => entry.earlier !== undefined);
  let explanations;
  try {
    explanations = explainLeaks(asked.map((entry) => entry.earlier!.ref), 0);
  } catch {
    // No snapshot, no proof that the slot let go: count the objects.
    return asked.map(({ instance, slot, earlier }) => ({ instance, slot, test: earlier!.test }));
  }
  return asked
    .filter((_entry, i) => explanations[i]?.librarySlot?.key === asked[i]!.slot.key)
    .map(({ instance, slot, earlier }) => ({ instance, slot, test: earlier!.test }));
}

/**
 * For each window, the tracked objects stamped inside (seqStart, seqEnd] that are alive now, grouped
 * by class, as report rows. One heap scan for all windows; the objects found are dropped on return.
 */
function survivorRows(windows: readonly Window[], isIgnored: (cls: AnyClass) => boolean): Map<GuardWindow, LeakRow[]> {
  const sorted = [...windows].sort((a, b) => a.seqStart - b.seqStart);
  const windowOf = (stamp: number): Window | undefined => {
    let lo = 0;
    let hi = sorted.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const window = sorted[mid]!;
      if (stamp <= window.seqStart) hi = mid - 1;
      else if (stamp > window.seqEnd) lo = mid + 1;
      else return window;
    }
    return undefined;
  };
  interface Group {
    className: string;
    stamps: number[];
    fresh: Map<Window, object[]>;
  }
  const groups = new Map<AnyClass | undefined, Group>();
  for (const obj of liveTracked()) {
    const cls = classOf(obj);
    if (cls !== undefined && isIgnored(cls)) continue;
    const stamp = stampOf(obj);
    if (stamp === undefined) continue;
    let group = groups.get(cls);
    if (group === undefined) {
      group = { className: cls?.name || '(anonymous class)', stamps: [], fresh: new Map() };
      groups.set(cls, group);
    }
    group.stamps.push(stamp);
    const window = windowOf(stamp);
    if (window !== undefined) {
      const list = group.fresh.get(window) ?? [];
      list.push(obj);
      group.fresh.set(window, list);
    }
  }
  const rows = new Map<GuardWindow, LeakRow[]>();
  for (const group of groups.values()) {
    for (const [window, fresh] of group.fresh) {
      // Before: instances from before the test that are still alive; after: those plus the test's.
      const before = group.stamps.filter((stamp) => stamp <= window.seqStart).length;
      const row: LeakRow = {
        className: group.className,
        before,
        after: before + fresh.length,
        leaked: fresh.length,
        leaking: true,
        oldest: oldestInstances(fresh, window.startedAt, undefined, window.sites),
      };
      rows.set(window, [...(rows.get(window) ?? []), row]);
    }
  }
  for (const list of rows.values()) list.sort((a, b) => b.leaked - a.leaked || a.className.localeCompare(b.className));
  return rows;
}

/**
 * Lets the running test keep objects alive: the guard does not check it (and the CI report lists it
 * with `reason`). Call it inside the test. Does nothing when no guard is installed.
 */
export function allowLeaks(reason: string): void {
  if (typeof reason !== 'string' || reason.trim() === '') {
    throw new TrackrefError(
      `allowLeaks() needs the reason this test may keep objects alive, as a string, but received ${describeValue(reason)}. ` +
        `Pass e.g. allowLeaks('fills the module-level cache on first use').`,
    );
  }
  if (guardState.installed === 0) return;
  if (active.size === 0) {
    throw new TrackrefError('allowLeaks() must be called inside a test (its body or its beforeEach hooks), not at module level or in beforeAll.');
  }
  for (const window of active) window.skipReason = `allowLeaks: ${reason}`;
}
