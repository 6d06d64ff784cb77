/**
 * `checkLeaks(fn, target?, options?)`: the framework-free leak check behind `toLeak`. Runs `fn`
 * (warm-up, then measured runs), collects garbage, and decides whether each target class grew.
 * Classes are first judged by counting births (cheap: no heap scan when nothing leaked, and no full
 * collection when every birth died young): tracked classes by their stamps, other classes with a
 * JavaScript constructor through a constructor hook (constructor-hook.ts). Classes whose births cannot be counted (built-ins, tracked object
 * literals), and any class that looks like it leaked, are counted on the heap before and after a
 * fresh set of runs (tracked classes need one heap scan: later counts are the scanned instances
 * still alive plus the births since). Never keeps `fn`'s result, and holds counted
 * instances strongly only inside one synchronous call, long enough to count them and preview the
 * oldest; between counts, only weakly.
 */
import { inspect } from 'node:util';
import { fakeTimersInstalled, realClearTimeout, realSetTimeout } from './real-timers';
import { AnyClass, BirthLedger, BirthSets, extendsClass, openBirthSets, openLedger } from './births';
import { BirthWatch, closeIdleDebugger, closeIdleDebuggerIfItLinksPromises, watchBirths } from './constructor-hook';
import { ageOf, now, sampleNow, stamps } from './clock';
import { TrackrefError } from './errors';
import { otherCopiesOf } from './class-copies';
import { backOffWhileFalling, collectAgain, collectGarbage, collectYoung, gcFunction, nextMacrotask, sleep, waitWhileHeld } from './gc';
import { canCountWeakSets } from './weak-count';
import { AllocationSite, SiteBook, allocationSiteOf } from './allocation';
import { isOwn, own } from './own-objects';
import { explainLeaks } from './explain';
import { lacksSites, preferTraced, startAllocationTrace, tracedRunAffordable, wantsTracedRun } from './allocation-trace';
import { queryHeap } from './heap-query';
import { ObjectRef, classOf, describeValue, stampOf } from './object-ref';
import { liveTracked } from './live-refs';
import { LeakReport, LeakRow, LeakedInstance, MemorySample, SelfRelease, createReport, leakedCount, noteNoRetainerPaths } from './report';
import { markRearmedTimers, selfReleaseWait } from './self-release';
import { expectedPathsMs, notePathsCost } from './snapshot-cost';
import { timersBorn, watchTimerBirths } from './timer-births';
import {
  ClassTargets,
  LeakCheckOptions,
  MAX_TIMEOUT_MS,
  ParsedOptions,
  ResolvedTarget,
  grewEveryRun,
  ignorePredicate,
  parseOptions,
  resolveTargets,
  targetLabel,
  validateTargets,
} from './targets';

/** How many of the oldest leaked instances a report shows per class. */
const OLDEST_SHOWN = 3;
/**
 * New instances explained in a traced run, of which the report shows OLDEST_SHOWN: untracked
 * objects have no age to pick the oldest by, and some are the runner's (a Promise target counts
 * the runner's pending promises too), so those the allocation trace shows made by the user come first.
 */
const TRACED_CANDIDATES = 20;
const PREVIEW_LENGTH = 160;
/** A preview whose first field is an internal one (`IncomingMessage { _events: …`). */
const INTERNALS_FIRST = /^[\w$]+ \{ _/;
/** `util.inspect`'s text of Node's async_hooks symbols on an object (`, [Symbol(async_id_symbol)]: 706`). */
const NODE_BOOKKEEPING = /,? \[Symbol\((?:async_id_symbol|trigger_async_id_symbol|kResourceStore|async_context_frame)\)\]: (?:\[[A-Za-z]+\]|[^,{}[\]\s]+)/g;
/** `util.inspect`'s text of EventEmitter's bookkeeping (`_events: …, _eventsCount: 1, _maxListeners: undefined`, its symbols). */
const EMITTER_BOOKKEEPING = /(?:_events: \[Object: null prototype\](?: \{\})?|_eventsCount: \d+|_maxListeners: [\w.]+|\[Symbol\((?:shapeMode|kCapture)\)\]: \w+)(?:, |(?= \}))/g;
/** Fields that name a request, a response or a connection, shown first when present. */
const IDENTIFYING = ['method', 'url', 'path', 'statusCode', 'statusMessage', 'host', 'protocol', 'remoteAddress', 'remotePort', 'id', 'name'];

/** EventEmitter's bookkeeping fields: never what identifies an object. */
const EMITTER_FIELDS = new Set(['_events', '_eventsCount', '_maxListeners']);

/**
 * An object's own data fields with a string, number or boolean value whose names do not start with
 * `_` (with `underscored`, those too, but EventEmitter's), identifying ones first (`_url` ranks as
 * `url`), as `name: value` (values through util.inspect). Reads own data properties only: never
 * runs a getter.
 */
function identifyingFields(obj: object, underscored = false): string {
  const fields: Array<[string, unknown]> = [];
  for (const name of Object.keys(obj)) {
    if (underscored ? EMITTER_FIELDS.has(name) : name.startsWith('_')) continue;
    const descriptor = Object.getOwnPropertyDescriptor(obj, name);
    if (descriptor === undefined || !('value' in descriptor)) continue;
    const value: unknown = descriptor.value;
    if ((typeof value === 'string' && value !== '') || typeof value === 'number' || typeof value === 'boolean') fields.push([name, value]);
  }
  const rank = (name: string): number => {
    const index = IDENTIFYING.indexOf(name.replace(/^_+/, ''));
    return index < 0 ? IDENTIFYING.length : index;
  };
  fields.sort((a, b) => rank(a[0]) - rank(b[0]));
  return fields.map(([name, value]) => `${name}: ${inspect(value, { maxStringLength: 80, colors: false })}`).join(', ');
}

type IsIgnored = (cls: AnyClass) => boolean;
/** Calls the checked function once (counting the call); `which` names the call in timeout errors. */
type CallFn = (which: string) => Promise<void>;

/** Lets a caller stop a check between steps (e.g. when its test has already ended). */
export interface CheckControl {
  abandoned(): boolean;
  /** Told before each call of fn: which call, how many have begun (this one included), and the plan. */
  calling?(which: string, calls: number, plan: { warmup: number; runs: number; timeout: number }): void;
  /** Milliseconds left before the test running the check times out (undefined when not known). */
  remainingMs?(): number | undefined;
  /** Told what the check is doing between calls of fn (`taking a heap snapshot for retainer paths`). */
  step?(what: string): void;
  /** Told how long a call of fn took. */
  called?(ms: number): void;
  /**
   * Given a failing check's report as soon as its verdict and retainer paths are final, before what
   * only adds to it (more runs, a traced run): a test that runs out of time can still show it.
   */
  decided?(report: LeakReport): void;
}

/** Thrown between steps of a check whose caller abandoned it. */
export class CheckAbandoned extends Error {
  override name = 'CheckAbandoned';
}

/** Runs `fn` and checks that no target class has more live instances afterwards. */
export function checkLeaks(fn: unknown, target?: ClassTargets, options?: LeakCheckOptions): Promise<LeakReport> {
  return runCheck(fn, target, options, { abandoned: () => false });
}

/** `checkLeaks` with a control that can stop it between steps. */
export async function runCheck(fn: unknown, target: ClassTargets | undefined, options: LeakCheckOptions | undefined, control: CheckControl): Promise<LeakReport> {
  if (typeof fn !== 'function') {
    throw new TrackrefError(
      `checkLeaks() needs the code to check as a function, but received ${describeValue(fn)}. ` +
        'Wrap the code in a function: checkLeaks(() => crawl(spider), HtmlResponse).',
    );
  }
  const targets = validateTargets(target);
  const opts = parseOptions(options);
  const started = now();
  let calls = 0;
  const plan = { warmup: opts.warmup, runs: opts.runs, timeout: opts.timeout };
  const call: CallFn = async (which) => {
    calls++;
    control.calling?.(which, calls, plan);
    const callStarted = now();
    try {
      await runOnce(fn, opts.timeout, which, control, now() - started);
    } finally {
      control.called?.(now() - callStarted);
    }
  };
  for (let i = 1; i <= opts.warmup; i++) {
    await call(`warm-up call ${i} of ${opts.warmup}`);
  }
  const resolved = targets === undefined ? undefined : resolveTargets(targets);
  const isIgnored = ignorePredicate(opts.ignore);
  const label = targetLabel(target);
  let birthsSuspected = false;
  // Birth counting runs fn before the heap is counted, like an extra warm-up: with warmup 0 the user
  // wants the first call's allocations counted, so the heap decides from the start.
  if (opts.warmup > 0 && (resolved === undefined || resolved.every((t) => !t.trackedOnly))) {
    const passed = await judgeByBirths(call, resolved, isIgnored, opts);
    birthsSuspected = passed === 'suspected';
    if (typeof passed === 'object') {
      refuseIfNothingCounted(targets);
      const { noneBorn, ...judged } = passed;
      if (noneBorn === true) refuseIfNoneExists(resolved!, isIgnored, label);
      return createReport({ ...judged, target: label, leaked: false, counting: 'births', calls, durationMs: now() - started, ...summary(opts) });
    }
  }
  const decided = (judged: Judged & { runs: number; selfRelease?: SelfRelease }): void => {
    if (control.decided === undefined) return;
    control.decided(createReport({ ...judged, target: label, counting: 'heap', calls, durationMs: now() - started, ...summary(opts), heapRuns: judged.runs }));
  };
  let heapStarted = now();
  let hooks = true;
  /** Calls of the heap pass judged again without hooks (see below). */
  let hookedRuns = 0;
  const callsBeforeHeap = calls;
  let measured = await judgeByHeapCounts(call, resolved, isIgnored, opts, { birthsSuspected, traceAllocations: false, hooks }, control, decided);
  if (measured.debuggerOnly === true) {
    // What grew is held only by links V8 keeps between promises while a debugger is enabled (Node
    // 20 keeps a long-lived pending promise's raced or awaited ones): judged again with no hook, and
    // with the hooks' debugger session closed, so that nothing fn makes gets such links.
    hooks = false;
    closeIdleDebugger();
    hookedRuns = calls - callsBeforeHeap;
    heapStarted = now();
    measured = await judgeByHeapCounts(call, resolved, isIgnored, opts, { birthsSuspected: true, traceAllocations: false, hooks }, control, decided);
  }
  const heapPassMs = now() - heapStarted;
  // Calls after the verdict are made by the first heap pass only (a traced pass makes none).
  const extraCalls = measured.moreRunCalls;
  /** Work that only adds to a failing report, skipped because the test's timeout would cut it short. */
  const skipped: string[] = [];
  let skippedWithMs = Infinity;
  /** How much longer the test's timeout would need to be for what was skipped, when known. */
  let skippedNeedMs: number | undefined;
  const skip = (what: string, left: number, needMs?: number): void => {
    skipped.push(what);
    skippedWithMs = Math.min(skippedWithMs, Math.max(0, left));
    if (needMs !== undefined) skippedNeedMs = Math.max(skippedNeedMs ?? 0, needMs - left);
  };
  if (measured.moreRunsSkipped !== undefined) skip('2 more runs after the verdict (to see whether the count keeps growing)', measured.moreRunsSkipped.remainingMs);
  if (measured.optionalWaitSkipped !== undefined) {
    skip(
      `a wait for ${measured.optionalWaitSkipped.holders.join(', ')} (what an interval or a request in flight holds is a leak unless it lets go when it fires or its response ends)`,
      measured.optionalWaitSkipped.remainingMs,
    );
  }
  if (measured.pathsSkipped !== undefined) {
    skip(
      `the retainer paths (a heap snapshot: about ${(measured.pathsSkipped.expectedMs / 1000).toFixed(1)} s here). Without them, the new instances ` +
        'are not told apart from objects held only by holders that let go by themselves (an idle keep-alive socket, a timer due soon)',
      measured.pathsSkipped.remainingMs,
      measured.pathsSkipped.expectedMs + PATHS_MARGIN_MS,
    );
  }
  // Leaked objects no hook or stamp gave a site to (Map, Promise, functions): the same runs again
  // with V8's allocation tracking, when that is affordable; its verdict is reported if it leaks too.
  // It needs a snapshot too: not when the paths' was skipped.
  let traced: { runs: number; reported: boolean } | undefined;
  const wantsTraced = measured.leaked && opts.paths && measured.pathsSkipped === undefined && wantsTracedRun(measured.rows, measured.lastCallMs, opts.runs);
  // The traced runs cost about what the first heap pass did, and more (fn runs slower while tracked).
  const leftForTraced = wantsTraced ? control.remainingMs?.() : undefined;
  if (leftForTraced !== undefined && leftForTraced < heapPassMs * 2 + MORE_RUNS_MARGIN_MS) {
    skip("a traced run (V8's allocation tracking, for the allocation sites of objects no constructor hook sees)", leftForTraced);
  } else if (wantsTraced) {
    const callsBefore = calls;
    try {
      const again = await judgeByHeapCounts(call, resolved, isIgnored, opts, { birthsSuspected: true, traceAllocations: true, hooks }, control, decided);
      traced = { runs: calls - callsBefore, reported: again.leaked };
      if (again.leaked) {
        // The first pass's extra runs (the traced pass makes none) still tell how the count moves.
        for (const row of again.rows) {
          const series = measured.rows.find((first) => first.className === row.className)?.moreRuns;
          if (series !== undefined) row.moreRuns = series;
        }
        measured = again;
      }
    } catch (error) {
      // A traced call that timed out or threw: the first verdict stands, without those sites.
      if (error instanceof CheckAbandoned) throw error;
      traced = { runs: calls - callsBefore, reported: false };
    }
  }
  if (!measured.leaked) refuseIfNothingCounted(targets);
  // Sites a traced run would have given, not sought because fn is too slow for it: said, not silent.
  const tooSlowForSites = measured.leaked && opts.paths && traced === undefined && lacksSites(measured.rows) && !tracedRunAffordable(measured.lastCallMs, opts.runs);
  return createReport({
    ...measured,
    target: label,
    counting: 'heap',
    calls,
    ...(extraCalls > 0 ? { extraCalls } : {}),
    ...(skipped.length === 0 ? {} : { skippedForTime: { parts: skipped, remainingMs: skippedWithMs, ...(skippedNeedMs === undefined ? {} : { moreMs: skippedNeedMs }) } }),
    ...(traced === undefined ? {} : { traced }),
    ...(hookedRuns > 0 ? { hookedRuns } : {}),
    ...(tooSlowForSites ? { noTracedRun: { lastCallMs: measured.lastCallMs } } : {}),
    durationMs: now() - started,
    ...summary(opts),
    heapRuns: measured.runs,
  });
}

/**
 * A check with no target counts tracked objects only; when none was ever made (no ObjectRef subclass
 * constructed, nothing passed to track(), before or during the check), it counted nothing, and a
 * pass would say nothing: it fails with what to pass instead.
 */
function refuseIfNothingCounted(targets: ReturnType<typeof validateTargets>): void {
  if (targets !== undefined || stamps.seq > 0) return;
  throw new TrackrefError(
    'toLeak() with no target counts tracked objects (instances of classes that extend ObjectRef, and objects passed to track()), ' +
      'but none has been made in this process, so the check counted nothing. ' +
      'Pass the class to count, e.g. toLeak(Map) or toLeak([Request, Response]) (any class works), or track your objects (extend ObjectRef, or track(obj)).',
  );
}

/**
 * A check whose runs made no instance of any target, while none is alive either, and while modules
 * loaded with require() export other classes of the same name, most likely counted the wrong copy
 * of a class (a package installed twice has one in each copy): it fails with those copies and what
 * to pass instead. Without another copy in sight it passes as before (a check on a class fn does not
 * make is allowed). Scans the heap once per target; only reached when the runs made none.
 */
function refuseIfNoneExists(resolved: ResolvedTarget[], isIgnored: IsIgnored, label: string): void {
  const copies = resolved.flatMap((target) => otherCopiesOf(target.cls));
  if (copies.length === 0) return;
  for (const { instances } of gatherInstances(resolved, isIgnored).values()) {
    if (instances.length > 0) return;
  }
  throw new TrackrefError(
    `toLeak(${label}) counted nothing: fn made no ${label} during the check, and none is alive, while other classes of that name are loaded: ${copies.join(', ')}. ` +
      'If fn makes those, the class passed is not theirs (a package installed twice has a class of the same name in each copy): ' +
      'pass the class of an object fn makes (obj.constructor).',
  );
}

function summary(opts: ParsedOptions): { warmup: number; runs: number; tolerance: number } {
  return { warmup: opts.warmup, runs: opts.runs, tolerance: opts.tolerance };
}

export function memorySample(): MemorySample {
  const { heapUsed, rss } = process.memoryUsage();
  return { heapUsed, rss };
}

/**
 * Calls `fn` once, waits for it to settle within `timeoutMs` (`Infinity`: as long as it takes), and
 * discards its result. Stops the check (CheckAbandoned) when its caller abandoned it, before the call
 * and after it: a check whose test has ended calls fn no more and does no further work.
 */
async function runOnce(fn: Function, timeoutMs: number, which: string, control: CheckControl, elapsedMs: number): Promise<void> {
  if (control.abandoned()) throw new CheckAbandoned(which);
  const settled = invoke(fn);
  if (settled === undefined) return;
  if (timeoutMs === Infinity) {
    await settled;
  } else {
    let timer: ReturnType<typeof realSetTimeout> | undefined;
    const longer = timeoutMs * 4 <= MAX_TIMEOUT_MS ? String(timeoutMs * 4) : 'Infinity';
    const timedOut = new Promise<never>((_resolve, reject) => {
      timer = realSetTimeout(() => {
        reject(
          new TrackrefError(
            `fn did not settle within ${timeoutMs} ms (${which}${elapsedMs >= 100 ? `, after the check had run ${(elapsedMs / 1000).toFixed(1)} s` : ''}). ` +
              `If a call needs longer, pass a larger timeout option: { timeout: ${longer} }, and give the test time for the whole check ` +
              "(up to warm-up + 5 × runs calls of fn: raise Jest's or Vitest's testTimeout); if fn never settles, make it resolve once its work is done." +
              (fakeTimersInstalled()
                ? ' Fake timers are installed (setTimeout or setImmediate is not Node\'s own): a call that awaits a timer settles only when the test advances the clock; check fn with real timers, or advance them in it.'
                : ''),
          ),
        );
      }, timeoutMs);
      // Never what keeps the process alive: a check its test's timeout abandoned, with a call of fn
      // still pending, held Jest's exit for the rest of this timeout (45 s in check-timeout's fixture).
      timer.unref();
    });
    try {
      await Promise.race([settled, timedOut]);
    } finally {
      realClearTimeout(timer);
    }
  }
  if (control.abandoned()) throw new CheckAbandoned(which);
}

/** Calls `fn` in a frame of its own, so nothing it returned stays on the checker's stack. */
function invoke(fn: Function): Promise<void> | undefined {
  const result: unknown = fn();
  if (typeof result === 'object' && result !== null && typeof (result as { then?: unknown }).then === 'function') {
    return Promise.resolve(result).then(discard);
  }
  return undefined;
}

function discard(): void {}

interface Judged {
  leaked: boolean;
  rows: LeakRow[];
  memory: { before: MemorySample; after: MemorySample };
}

/** Births kept (weakly) by a constructor hook before counting falls back to the heap. */
const HOOKED_BIRTH_LIMIT = 10_000;

/** A row of the births pass: what it counts (a target, or a tracked class without targets), its births still alive. */
interface BirthRow {
  key: ResolvedTarget | AnyClass;
  className: string;
  leaked: number;
}

/**
 * The keys each tracked birth counts toward: the targets it is an instance of (tracked births of a
 * target or its subclasses; the constructor hook counts the others' under their class), or, without
 * targets, its own class.
 */
function birthKeys(resolved: ResolvedTarget[] | undefined, isIgnored: IsIgnored): (cls: AnyClass) => ReadonlyArray<ResolvedTarget | AnyClass> {
  if (resolved === undefined) return (cls) => (isIgnored(cls) ? [] : [cls]);
  return (cls) => (isIgnored(cls) ? [] : resolved.filter((t) => t.stamped && extendsClass(cls, t.cls)));
}

/** The key a target's births are counted under: the target when stamped, else its class (the constructor hook's). */
function birthKeyOf(target: ResolvedTarget): ResolvedTarget | AnyClass {
  return target.stamped ? target : target.cls;
}

/** The rows of the births pass as counted now, or undefined when a WeakSet cannot be counted here. */
function birthRows(sets: BirthSets<ResolvedTarget | AnyClass>, resolved: ResolvedTarget[] | undefined): BirthRow[] | undefined {
  const rows: BirthRow[] = own([]);
  const keys = resolved ?? sets.keys();
  for (const key of keys) {
    const target = resolved === undefined ? undefined : (key as ResolvedTarget);
    const live = sets.live(target === undefined ? key : birthKeyOf(target));
    if (live === undefined) return undefined;
    rows.push({ key, className: target?.label ?? ((key as AnyClass).name || '(anonymous class)'), leaked: live });
  }
  return rows;
}

/**
 * Collects as little as decides, and counts: a timer's turn (what fn left for a timer due within a
 * millisecond is counted too), a scavenge; while the counts do not decide, a full collection and the
 * finalizers' turn (`settledOnly`: a settled collection straight after the scavenge). `decided`
 * tells whether counts settle the question as they are. Counts still undecided then send the check
 * to the heap, whose first count (a heap scan) collects again: births a finalizer lets go are not
 * counted there, so no second collection is made here.
 */
async function settleBirths(count: () => BirthRow[] | undefined, decided: (rows: BirthRow[]) => boolean, settledOnly: boolean): Promise<BirthRow[] | undefined> {
  await sleep(1);
  collectYoung();
  let rows = count();
  if (rows === undefined || decided(rows)) return rows;
  if (settledOnly) {
    await collectGarbage();
    return count();
  }
  gcFunction()();
  await nextMacrotask();
  return count();
}

/**
 * Opens a constructor-hook watch on the targets trackref does not stamp (undefined when there are
 * none), or returns 'unhookable' (after closing it) when one of them cannot be watched. With
 * `counts`, births are counted there (keyed by the target's class) instead of kept as weak references.
 */
function watchUntracked(resolved: ResolvedTarget[] | undefined, isIgnored: IsIgnored, captureSites: boolean, counts?: BirthSets<AnyClass>): BirthWatch | 'unhookable' | undefined {
  const untracked = resolved?.filter((t) => !t.stamped && !t.trackedOnly) ?? [];
  if (untracked.length === 0) return undefined;
  const { watch, unhookable } = watchBirths(
    untracked.map((t) => t.cls),
    { limit: HOOKED_BIRTH_LIMIT, captureSites, isIgnored, ...(counts === undefined ? {} : { counts }) },
  );
  if (unhookable.length === 0) return watch;
  watch.close();
  return 'unhookable';
}

/**
 * Counts births during the runs that are still alive after collection: an upper bound of growth.
 * Tracked classes are counted by their stamps, other classes with a JS constructor by a constructor
 * hook, both as WeakSet entries (births.ts, BirthSets). A young-generation collection comes first:
 * births that died young are gone after it, and when every row is within the tolerance the check
 * passes without a full collection; otherwise full collections decide. Returns the passing result
 * when no class exceeds the tolerance, 'suspected' when the heap must decide, or 'unusable' when
 * births cannot be counted for some target (nothing was run then, or the hook missed some).
 */
async function judgeByBirths(call: CallFn, resolved: ResolvedTarget[] | undefined, isIgnored: IsIgnored, opts: ParsedOptions): Promise<(Judged & { noneBorn?: true }) | 'suspected' | 'unusable'> {
  if (!canCountWeakSets()) return 'unusable';
  const sets = openBirthSets(birthKeys(resolved, isIgnored));
  let watch: BirthWatch | 'unhookable' | undefined;
  try {
    watch = watchUntracked(resolved, isIgnored, false, sets as BirthSets<AnyClass>);
  } catch (error) {
    sets.close();
    throw error;
  }
  if (watch === 'unhookable') {
    sets.close();
    return 'unusable';
  }
  // A debugger session left open by an earlier check (its idle second) and used by no watch here (a
  // promise-hook watch, or none) would link the promises fn makes (see constructor-hook.ts).
  closeIdleDebuggerIfItLinksPromises();
  // Births are counted from here on, so garbage from before needs no collecting.
  const before = memorySample();
  try {
    const count = (): BirthRow[] | undefined => birthRows(sets, resolved);
    const withinTolerance = (list: BirthRow[]): boolean => list.every((row) => row.leaked <= opts.tolerance);
    const perRun = new Map<unknown, number[]>();
    let rows: BirthRow[] | undefined = [];
    for (let i = 1; i <= opts.runs; i++) {
      await call(`run ${i} of ${opts.runs}`);
      if (opts.runs > 1) {
        // Counts per run must be exact (every-run growth compares them): only an all-zero count
        // after a scavenge is, so anything else waits for a settled full collection.
        rows = await settleBirths(count, (list) => list.every((row) => row.leaked === 0), true);
        if (rows === undefined) return 'unusable';
        for (const row of rows) {
          perRun.set(row.key, [...(perRun.get(row.key) ?? []), row.leaked]);
        }
      }
    }
    // Births the hook missed (too many, or one it could not record): the heap decides.
    if (watch !== undefined && (watch.overflowed || watch.failed)) return 'unusable';
    if (opts.runs === 1) rows = await settleBirths(count, withinTolerance, false);
    if (rows === undefined) return 'unusable';
    // A class over the tolerance is not failed here: the heap pass re-measures it, with back-off.
    // Under growth: 'every-run', births that did not rise on some run prove the heap count did not
    // rise on that run either (growth can only be lower than births), so such a class passes here.
    const suspect = (row: { key: unknown; leaked: number }): boolean =>
      row.leaked > opts.tolerance && (opts.growth === 'any' || grewEveryRun(perRun.get(row.key) ?? []));
    if (rows.some(suspect)) return 'suspected';
    const noneBorn = resolved !== undefined && resolved.every((target) => !sets.anyBorn(birthKeyOf(target)));
    return {
      ...(noneBorn ? { noneBorn: true as const } : {}),
      leaked: false,
      rows: rows.map((row) => ({
        className: row.className,
        leaked: row.leaked,
        leaking: false,
        oldest: [],
        ...(opts.runs > 1 ? { perRun: perRun.get(row.key) ?? [] } : {}),
      })),
      memory: { before, after: memorySample() },
    };
  } finally {
    watch?.close();
    sets.close();
  }
}

/** What the baseline census remembers to tell new instances from old ones, without holding them. */
interface Baseline {
  seq: number;
  known: WeakSet<object>;
  counts: Map<unknown, number>;
  runsStarted: number;
  /** Every tracked object at the baseline, weakly (when all targets are tracked and they are not too many). */
  tracked?: Array<WeakRef<object>>;
  /** The instances of each untracked target at the baseline, weakly (when a constructor hook watches them all). */
  untracked?: Map<ResolvedTarget, Array<WeakRef<object>>>;
}

/** The live instances of an untracked target found without a heap scan, or undefined when they cannot be. */
type UntrackedWithoutScan = (target: ResolvedTarget) => object[] | undefined;

interface CensusRow {
  key: unknown;
  className: string;
  count: number;
  oldest: LeakedInstance[];
  /** Grew by more than the tolerance since the baseline. */
  grew: boolean;
  /** With a baseline: the instances counted that were not alive at the baseline (new ones). */
  fresh?: number;
  /**
   * Weak references to every instance counted, for a grown row (when there are not too many): a
   * re-count after a collection that needs no heap scan (it sees deaths, not births).
   */
  watched?: Array<WeakRef<object>>;
}

/**
 * The most objects kept weakly to count without a heap scan: the tracked objects at the baseline,
 * the births since, or the instances of grown rows. Above it, counts scan the heap.
 */
const WATCH_LIMIT = 100_000;

/**
 * Rounds of runs at most when counting births suspected a leak the heap count does not show (older
 * instances dying meanwhile can hide new ones): see `judgeByHeapCounts`.
 */
export const HIDDEN_ROUNDS = 4;
/**
 * How long a check waits without calling fn, when older instances died in step with the runs, to see
 * whether they go on dying by themselves: twice a round's duration, within these bounds.
 */
const LOCKSTEP_PAUSE_MIN_MS = 200;
const LOCKSTEP_PAUSE_MAX_MS = 1_000;

/**
 * Every live tracked object a census may count, before it is filtered by class, from one heap scan:
 * ObjectRef instances for class targets, every tracked object without targets.
 */
function scanTracked(resolved: ResolvedTarget[] | undefined): object[] {
  return resolved === undefined ? liveTracked() : queryHeap(ObjectRef).instances;
}

/**
 * The instances each row counts right now (the caller must drop them soon). Tracked targets are
 * found among `tracked` (every live tracked object; one heap scan when not given), untracked ones
 * from `untracked` when it knows them, else by a scan per class.
 */
function gatherInstances(
  resolved: ResolvedTarget[] | undefined,
  isIgnored: IsIgnored,
  tracked?: object[],
  untracked?: UntrackedWithoutScan,
): Map<unknown, { className: string; instances: object[] }> {
  const groups = own(new Map<unknown, { className: string; instances: object[] }>());
  const counted = (obj: object): boolean => {
    if (isOwn(obj)) return false;
    const cls = classOf(obj);
    return cls === undefined || !isIgnored(cls);
  };
  if (resolved === undefined) {
    for (const obj of tracked ?? scanTracked(resolved)) {
      const cls = classOf(obj);
      if (cls === undefined || isIgnored(cls)) continue;
      const group = groups.get(cls) ?? { className: cls.name || '(anonymous class)', instances: [] };
      group.instances.push(obj);
      groups.set(cls, group);
    }
    return groups;
  }
  let trackedInstances: object[] | undefined;
  for (const target of resolved) {
    let instances: object[];
    if (target.stamped) {
      trackedInstances ??= own(tracked ?? scanTracked(resolved));
      const proto = target.cls.prototype as object;
      instances = trackedInstances.filter((obj) => Object.prototype.isPrototypeOf.call(proto, obj));
    } else if (target.trackedOnly) {
      instances = liveTracked().filter((obj) => classOf(obj) === target.cls);
    } else {
      instances = untracked?.(target) ?? queryHeap(target.cls).instances;
    }
    groups.set(target, own({ className: target.label, instances: own(instances.filter(counted)) }));
  }
  return groups;
}

export function preview(obj: object): string {
  let text: string;
  try {
    text = inspect(obj, { depth: 0, breakLength: Infinity, maxStringLength: 80, maxArrayLength: 3, colors: false });
    // Node's own objects (requests, responses, sockets, streams) list their internals first
    // (`_events`, `_readableState`…): their identifying fields are shown instead.
    // Objects that keep every field behind `_` (ws's WebSocket: `_url`, `_readyState`) show those.
    if (INTERNALS_FIRST.test(text)) {
      const fields = identifyingFields(obj) || identifyingFields(obj, true);
      if (fields !== '') text = `${text.slice(0, text.indexOf(' {'))} { ${fields} }`;
      // Nothing but EventEmitter's bookkeeping and symbols (piscina's Piscina): without the bookkeeping.
      else text = text.replace(EMITTER_BOOKKEEPING, '');
    }
    // A custom inspect that returns a plain object (koa's Application: its toJSON()) drops the class.
    const name = classOf(obj)?.name;
    if (text.startsWith('{') && name !== undefined && name !== '' && name !== 'Object') text = `${name} ${text}`;
  } catch (error) {
    text = `${classOf(obj)?.name ?? 'Object'} (preview failed: ${(error as Error).message})`;
  }
  // Node's async_hooks bookkeeping on promises and resources (set while promise hooks are on, as under
  // Jest or trackref's own async-origin hook): not the object's data.
  text = text.replace(/\s+/g, ' ').replace(NODE_BOOKKEEPING, '').replace(/\{ , /, '{ ').replace(/ \{\s*\}$/, '');
  return text.length > PREVIEW_LENGTH ? `${text.slice(0, PREVIEW_LENGTH - 1)}…` : text;
}

/**
 * Counts every row's instances; with a baseline, previews the oldest new instances of grown rows.
 * Without `tracked` (see `trackedWithoutScan`) the heap is scanned, and grown rows get weak
 * references for a cheap re-count.
 */
function census(
  resolved: ResolvedTarget[] | undefined,
  isIgnored: IsIgnored,
  baseline: Baseline | undefined,
  tolerance: number,
  tracked?: object[],
  untracked?: UntrackedWithoutScan,
  candidates = OLDEST_SHOWN,
  byNewInstances?: ReadonlyMap<unknown, number>,
  newSince: Baseline | undefined = baseline,
): CensusRow[] {
  const rows: CensusRow[] = own([]);
  let watchable = tracked === undefined && untracked === undefined ? WATCH_LIMIT : -1;
  for (const [key, { className, instances }] of gatherInstances(resolved, isIgnored, tracked, untracked)) {
    const fresh = newSince === undefined ? undefined : instances.filter((obj) => isNewSince(obj, newSince)).length;
    // Growth is the count's, except for rows judged by their new instances (see `judgeByHeapCounts`).
    const grown = baseline === undefined ? 0 : byNewInstances?.has(key) === true ? fresh! : instances.length - (baseline.counts.get(key) ?? 0);
    const row: CensusRow = { key, className, count: instances.length, oldest: own([]), grew: baseline !== undefined && grown > tolerance };
    if (fresh !== undefined) row.fresh = fresh;
    if (baseline !== undefined && row.grew) {
      row.oldest = own(oldestNew(instances, baseline, grown, candidates));
      watchable -= instances.length;
      if (watchable >= 0) row.watched = own(instances.map((obj) => own(new WeakRef(obj))));
    }
    rows.push(row);
  }
  return rows;
}

/**
 * The rows' counts again after a collection, from their weak references alone (no heap scan), or
 * undefined when some grown row is not watched. Only deaths show: objects born since stay uncounted.
 */
function recountWatched(rows: CensusRow[]): CensusRow[] | undefined {
  if (rows.some((row) => row.grew && row.watched === undefined)) return undefined;
  return own(
    rows.map((row) => {
      if (row.watched === undefined) return row;
      let alive = 0;
      for (const ref of row.watched) if (ref.deref() !== undefined) alive++;
      return { ...row, count: alive };
    }),
  );
}

/** Whether `obj` was not alive at `baseline` (stamped after it, or not among its untracked instances). */
function isNewSince(obj: object, baseline: Baseline): boolean {
  const stamp = stampOf(obj);
  return stamp !== undefined ? stamp > baseline.seq : !baseline.known.has(obj);
}

/** The oldest instances created since the baseline, at most as many as the class grew by. */
function oldestNew(instances: object[], baseline: Baseline, grown: number, candidates: number): LeakedInstance[] {
  return oldestInstances(
    instances.filter((obj) => isNewSince(obj, baseline)),
    baseline.runsStarted,
    grown,
    undefined,
    candidates,
  );
}

/**
 * The oldest of `fresh` (objects known to be new) as report entries: age, preview and allocation
 * site (from `sites`: by default the book being captured into). Untracked objects (no stamp) sort
 * last and are aged from `runsStarted`. Each entry keeps its object only weakly, for `explain`.
 * Shared by leak checks and the per-test guard.
 */
export function oldestInstances(fresh: readonly object[], runsStarted: number, limit = OLDEST_SHOWN, sites?: SiteBook, candidates = OLDEST_SHOWN): LeakedInstance[] {
  const stamped = fresh.map((obj) => ({ obj, stamp: stampOf(obj) ?? Number.POSITIVE_INFINITY }));
  stamped.sort((a, b) => a.stamp - b.stamp);
  // Candidates beyond what is shown (a traced run) are not capped by the growth: some new instances
  // are not the user's (a Promise target counts the runner's pending promises too).
  return stamped.slice(0, candidates > OLDEST_SHOWN ? candidates : Math.min(OLDEST_SHOWN, limit)).map(({ obj, stamp }) => {
    const site = allocationSiteOf(obj, sites);
    const instance: LeakedInstance = {
      className: classOf(obj)?.name ?? 'Object',
      ageMs: Number.isFinite(stamp) ? ageOf(stamp) : now() - runsStarted,
      ageExact: Number.isFinite(stamp),
      preview: preview(obj),
      ...(site === undefined ? {} : { allocationSite: reportedSite(site) }),
    };
    // Held weakly until the snapshot that explains it has been taken.
    leakedRefs.set(instance, new WeakRef(obj));
    return instance;
  });
}

/** An allocation site as a report shows it. */
function reportedSite(site: AllocationSite): NonNullable<LeakedInstance['allocationSite']> {
  return {
    location: site.location,
    excerpt: site.excerpt,
    ...(site.via === undefined ? {} : { via: site.via }),
    ...(site.declaredIn === undefined ? {} : { declaredIn: site.declaredIn }),
    ...(site.from === undefined ? {} : { from: site.from }),
    ...(site.asyncStart === true ? { asyncStart: true } : {}),
  };
}

/** Reported instances only the debugger's links between promises hold (see HeapGraph.isDebuggerPromiseLink). */
const heldByDebuggerOnly = new WeakSet<LeakedInstance>();

/** The objects behind reported instances, weakly, until their retainer paths are found. */
const leakedRefs = new WeakMap<LeakedInstance, WeakRef<object>>();

/** The object behind a reported instance, weakly (undefined for instances this module did not make). */
export function leakedRef(instance: LeakedInstance): WeakRef<object> | undefined {
  return leakedRefs.get(instance);
}

/**
 * Adds retainer paths to the reported instances (one heap snapshot for all of them). Call it in a
 * later macrotask than the one that built the rows, so the WeakRefs no longer hold their targets.
 * `known`: weak references to tracked objects of the check (see explainLeaks).
 */
export function explain(rows: LeakRow[], runsStartSeq: number, known?: ReadonlyArray<WeakRef<object>>): void {
  const instances = rows.flatMap((row) => row.oldest).filter((instance) => leakedRefs.has(instance));
  if (instances.length === 0) return;
  let explanations;
  try {
    explanations = explainLeaks(instances.map((instance) => leakedRefs.get(instance)!), runsStartSeq, known);
    // The snapshot blocked the event loop: objects made next are aged from now.
    sampleNow();
  } catch (error) {
    for (const instance of instances) instance.retainerPath = `(not found: ${(error as Error).message})`;
    return;
  }
  instances.forEach((instance, i) => {
    const explanation = explanations[i];
    if (explanation !== undefined) {
      if (explanation.debuggerOnly === true) heldByDebuggerOnly.add(instance);
      instance.retainerPath = explanation.retainerPath;
      if (explanation.alsoHeldBy !== undefined) instance.alsoHeldBy = explanation.alsoHeldBy;
      instance.retainerSteps = explanation.retainerSteps;
      if (explanation.retained !== undefined) instance.retained = explanation.retained;
      if (explanation.librarySlot !== undefined) instance.librarySlot = explanation.librarySlot;
      if (explanation.holderNote !== undefined && instance.holderNote === undefined) instance.holderNote = explanation.holderNote;
      if (explanation.reachingTimeouts !== undefined) instance.reachingTimeouts = explanation.reachingTimeouts;
      if (instance.allocationSite === undefined && explanation.allocationSite !== undefined) instance.allocationSite = reportedSite(explanation.allocationSite);
    }
  });
}

function takeBaseline(resolved: ResolvedTarget[] | undefined, isIgnored: IsIgnored, hooked: boolean): Baseline {
  const baseline: Baseline = { seq: stamps.seq, known: new WeakSet(), counts: own(new Map()), runsStarted: 0 };
  // With only tracked targets, one scan finds every tracked object; kept weakly, they let later
  // counts skip the scan (see trackedWithoutScan).
  const tracked = resolved === undefined || resolved.every((t) => t.stamped) ? own(scanTracked(resolved)) : undefined;
  // Untracked targets watched by a constructor hook: their instances at the baseline, kept weakly,
  // plus the births the hook sees, are every instance later counts need (see untrackedWithoutScan).
  let untrackedRefs = hooked ? own(new Map<ResolvedTarget, Array<WeakRef<object>>>()) : undefined;
  for (const [key, { instances }] of gatherInstances(resolved, isIgnored, tracked)) {
    baseline.counts.set(key, instances.length);
    for (const obj of instances) {
      if (stampOf(obj) === undefined) baseline.known.add(obj);
    }
    const target = key as ResolvedTarget;
    if (untrackedRefs !== undefined && resolved !== undefined && !target.stamped) {
      if (instances.length > WATCH_LIMIT) untrackedRefs = undefined;
      else untrackedRefs.set(target, own(instances.map((obj) => new WeakRef(obj))));
    }
  }
  if (untrackedRefs !== undefined) baseline.untracked = untrackedRefs;
  // The references are not marked as own (see BirthLedger.record): only tracked classes use them.
  if (tracked !== undefined && tracked.length <= WATCH_LIMIT) baseline.tracked = own(tracked.map((obj) => new WeakRef(obj)));
  baseline.runsStarted = now();
  return baseline;
}

/**
 * The tracked objects alive now, found without a heap scan: the baseline's still alive, plus those
 * born since (the ledger has been open since the baseline, so it recorded every tracked object made
 * since). The same objects a scan finds, except ones given a tracked prototype without their
 * constructor running (e.g. Object.create), which birth counting cannot see either. Undefined when
 * the baseline or the births were too many to keep: then the heap is scanned.
 */
function trackedWithoutScan(baseline: Baseline, ledger: BirthLedger): object[] | undefined {
  const atBaseline = baseline.tracked;
  const alive = atBaseline === undefined ? undefined : ledger.bornAlive();
  if (atBaseline === undefined || alive === undefined) return undefined;
  for (const ref of atBaseline) {
    const obj = ref.deref();
    if (obj !== undefined) alive.push(obj);
  }
  return alive;
}

/**
 * The live instances of untracked targets found without a heap scan: those at the baseline still
 * alive, plus the births since that the constructor hook saw. Undefined when the baseline kept no
 * references or the hook's count is incomplete (too many births, a failed record): then the heap is scanned.
 */
function untrackedWithoutScan(baseline: Baseline, watch: BirthWatch | 'unhookable' | undefined): UntrackedWithoutScan | undefined {
  const atBaseline = baseline.untracked;
  if (atBaseline === undefined || typeof watch !== 'object') return undefined;
  return (target) => {
    const refs = atBaseline.get(target);
    const born = watch.bornAlive(target.cls);
    if (refs === undefined || born === undefined) return undefined;
    const alive = own(new Set<object>(born));
    for (const ref of refs) {
      const obj = ref.deref();
      if (obj !== undefined) alive.add(obj);
    }
    return own([...alive]);
  };
}

/** Re-counts at most when reported instances were let go before their snapshot (see `judgeByHeapCounts`). */
const STALE_RECOUNTS = 3;

/** A reported instance whose object was let go before the snapshot that was to explain it. */
function isGone(instance: LeakedInstance): boolean {
  const ref = leakedRefs.get(instance);
  return ref !== undefined && instance.retainerPath === undefined && ref.deref() === undefined;
}

/** Extra calls of fn after a failing verdict with runs: 1, to show whether the count keeps growing. */
const MORE_RUNS = 2;
/** The extra calls are made only when the measured call suggests they take at most this long in all. */
const MORE_RUNS_BUDGET_MS = 500;
/** Time the extra calls leave before the test's timeout at least (for the report and the runner's own work). */
const MORE_RUNS_MARGIN_MS = 1_000;
/** Time a wait for self-releasing holders leaves before the test's timeout at least (a re-count, the report). */
const WAIT_MARGIN_MS = 1_000;
/** Time the retainer paths leave before the test's timeout at least (the report, the runner's own work). */
const PATHS_MARGIN_MS = 500;

/**
 * After a failing verdict with `runs: 1`, when counting is cheap (no heap scan) and fn is quick: calls fn
 * `MORE_RUNS` more times and returns each leaking row's growth after the measured run and after
 * each extra one (`+1 → +1 → +1` is a pool or cache that filled up; `+1 → +2 → +3` grows every
 * run). The verdict does not change. An extra call that throws ends the series early.
 */
async function growthOnMoreRuns(
  call: CallFn,
  leaking: CensusRow[],
  growth: (row: CensusRow) => number,
  count: () => CensusRow[],
): Promise<{ series: Map<unknown, number[]>; calls: number }> {
  const series = own(new Map<unknown, number[]>(leaking.map((row) => [row.key, own([growth(row)])])));
  let calls = 0;
  for (let i = 1; i <= MORE_RUNS; i++) {
    calls++;
    try {
      await call(`extra run ${i} of ${MORE_RUNS} (after the verdict, to see whether the count keeps growing)`);
    } catch (error) {
      if (error instanceof CheckAbandoned) throw error;
      break;
    }
    // A turn first (births of this task are kept alive by their WeakRefs until it ends), then one
    // collection and its turn, not a settled collection: the series shows how the count moves, the
    // verdict does not stand on it.
    await nextMacrotask();
    await collectAgain();
    for (const row of count()) series.get(row.key)?.push(growth(row));
  }
  return { series, calls };
}

/** How a heap pass runs. */
interface HeapPass {
  /** Counting births suspected a leak (it just collected; hidden growth is looked for over more rounds). */
  birthsSuspected: boolean;
  /** Every allocation of the runs gets a trace (V8's allocation tracking), for allocation sites. */
  traceAllocations: boolean;
  /** Untracked targets' births are watched by constructor hooks (their allocation sites, counts without a scan). */
  hooks: boolean;
}

interface HeapJudged extends Judged {
  runs: number;
  lastCallMs: number;
  moreRunCalls: number;
  selfRelease?: SelfRelease;
  moreRunsSkipped?: { remainingMs: number };
  /** The wait for intervals due soon or requests in flight (see selfReleaseWait), skipped for the test's timeout. */
  optionalWaitSkipped?: { remainingMs: number; holders: string[] };
  /** The retainer paths' snapshot, skipped for the test's timeout (expectedMs: what it would have taken). */
  pathsSkipped?: { remainingMs: number; expectedMs: number };
  /** Every reported instance is held only by the debugger's links between promises (see HeapGraph.isDebuggerPromiseLink). */
  debuggerOnly?: true;
}

/**
 * Counts live instances on the heap before and after a fresh set of runs: the exact verdict. When
 * birth counting saw survivors but these runs show no growth, the same number of runs is measured
 * once more against the same baseline, so a leak that happens only on some calls is not missed
 * (while a bounded cache, which stops growing, still passes).
 */
async function judgeByHeapCounts(
  call: CallFn,
  resolved: ResolvedTarget[] | undefined,
  isIgnored: IsIgnored,
  opts: ParsedOptions,
  pass: HeapPass,
  control: CheckControl,
  decided: (judged: Judged & { runs: number; selfRelease?: SelfRelease }) => void,
): Promise<HeapJudged> {
  const { birthsSuspected, traceAllocations } = pass;
  // Birth counting that suspected a leak has just ended on a collection and its finalizers' turn,
  // and the heap scan of the baseline collects again (V8 collects until nothing more is freed):
  // only a first pass needs a collection here.
  // Classes trackref does not stamp get their allocation sites from a constructor hook, armed before
  // the baseline so that the objects the hook itself keeps are counted on both sides.
  const siteWatch = pass.hooks ? watchUntracked(resolved, isIgnored, true) : undefined;
  closeIdleDebuggerIfItLinksPromises();
  control.step?.('counting the instances on the heap before a confirming run');
  if (!birthsSuspected) await collectGarbage();
  const before = memorySample();
  const censusStarted = now();
  const baseline = takeBaseline(resolved, isIgnored, typeof siteWatch === 'object');
  const censusMs = now() - censusStarted;
  // Classes whose new instances kept surviving round after round while older instances died
  // meanwhile (freed by something else than fn), hiding them from the count: judged by their new
  // instances, with how many older ones were freed (see the rounds below).
  const byNewInstances = own(new Map<unknown, number>());
  const countGrowth = (row: CensusRow): number => row.count - (baseline.counts.get(row.key) ?? 0);
  const growth = (row: CensusRow): number => (byNewInstances.has(row.key) ? (row.fresh ?? 0) : countGrowth(row));
  // The growth after each run, as the count's and as new instances (the series of a row judged by
  // its new instances is the second).
  const perRun = own(new Map<unknown, number[]>());
  const perRunFresh = own(new Map<unknown, number[]>());
  const seriesOf = (key: unknown): number[] => (byNewInstances.has(key) ? perRunFresh : perRun).get(key) ?? [];
  // Under growth: 'every-run', a class that did not grow on every run is not leaking, whatever its total.
  const growsEveryRun = (key: unknown): boolean => opts.growth === 'any' || grewEveryRun(seriesOf(key));
  const isLeaking = (row: CensusRow): boolean => growth(row) > opts.tolerance && growsEveryRun(row.key);
  const excess = (list: CensusRow[]): number =>
    list.reduce((sum, row) => sum + (growsEveryRun(row.key) ? Math.max(0, growth(row) - opts.tolerance) : 0), 0);
  let runs = 0;
  let rows: CensusRow[] = own([]);
  // One round of runs; when counting births suspected a leak, a second against the same baseline,
  // and more (up to HIDDEN_ROUNDS) while new instances keep surviving but the count does not grow.
  const rounds = birthsSuspected ? HIDDEN_ROUNDS : 1;
  const freshAfter = own(new Map<unknown, number>());
  /** Per row, after each round: older instances (alive at the baseline) freed since. */
  const freedAfter = own(new Map<unknown, number>());
  const freshGrewRounds = own(new Map<unknown, number>());
  /** Whether a round in lockstep with no deaths while idle has been followed by one more round (see below). */
  let lockstepRetried = false;
  // Open from the baseline on: it captures allocation sites for objects the runs create and, with
  // only tracked targets, keeps the births weakly so counts need no heap scan.
  const ledger = openLedger(baseline.tracked === undefined ? 0 : WATCH_LIMIT);
  own(ledger.alive);
  let all: LeakRow[] = own([]);
  let after = before;
  let selfRelease: SelfRelease | undefined;
  let lastCallMs = 0;
  /** How long the collection after the last round took. */
  let collectMs = 0;
  let moreRunsSkipped: { remainingMs: number } | undefined;
  let optionalWaitSkipped: { remainingMs: number; holders: string[] } | undefined;
  let pathsSkipped: { remainingMs: number; expectedMs: number } | undefined;
  /** Calls of fn made after the verdict (one that threw or timed out included). */
  let moreRunCalls = 0;
  const untracked = untrackedWithoutScan(baseline, siteWatch);
  const count = (against: Baseline | undefined): CensusRow[] =>
    census(resolved, isIgnored, against, opts.tolerance, trackedWithoutScan(baseline, ledger), untracked, traceAllocations ? TRACED_CANDIDATES : OLDEST_SHOWN, byNewInstances, baseline);
  // Every allocation of the runs gets a trace, read from the snapshot `explain` takes.
  const trace = traceAllocations ? await startAllocationTrace() : undefined;
  // Timers the runs make, so that a path starting at one finds its live Timeout without a heap walk
  // (no paths, no need: the hook would only slow fn's promises down).
  const stopTimerBirths = opts.paths ? watchTimerBirths() : (): void => undefined;
  try {
    for (let round = 1; round <= rounds; round++) {
      const roundStarted = now();
      for (let i = 1; i <= opts.runs; i++) {
        runs++;
        const callStarted = now();
        await call(`run ${runs} of ${opts.runs * round}`);
        lastCallMs = now() - callStarted;
        if (opts.runs > 1) {
          await collectGarbage();
          for (const row of count(undefined)) {
            perRun.set(row.key, own([...(perRun.get(row.key) ?? []), countGrowth(row)]));
            perRunFresh.set(row.key, own([...(perRunFresh.get(row.key) ?? []), row.fresh ?? 0]));
          }
        }
      }
      const collectStarted = now();
      await collectGarbage();
      collectMs = now() - collectStarted;
      rows = count(baseline);
      await backOffWhileFalling(excess(rows), async (mayBeLast) => {
        // After the wait (the finalizers' turn after the last collection) one collection settles
        // what was pending then; a count the verdict may stand on is settled as fully as ever.
        if (mayBeLast) await collectGarbage();
        else await collectAgain();
        // Counted again only when watched instances (kept after a heap scan) show that some died.
        const recounted = recountWatched(rows);
        if (recounted !== undefined && excess(recounted) >= excess(rows)) return excess(rows);
        rows = count(baseline);
        return excess(rows);
      });
      if (rows.some(isLeaking)) break;
      // Older instances that die during the runs (released by a timer or a socket of an earlier
      // test) offset new ones that survive: a count that does not grow proves nothing while new
      // instances keep surviving, round after round. A cache that evicts an older entry for each one
      // it adds loses as many older instances as it gains new ones, round after round (in lockstep):
      // that passes, as the count says. Older instances freed all at once by something else stop
      // dying while the new ones go on surviving: once the last round freed none, the new instances
      // are counted instead.
      const freedNow = (row: CensusRow): number => (row.fresh ?? 0) - countGrowth(row);
      const hidden = rows.filter((row) => (row.fresh ?? 0) > opts.tolerance && (row.fresh ?? 0) > (freshAfter.get(row.key) ?? 0));
      const inLockstep = hidden.every((row) => freedNow(row) - (freedAfter.get(row.key) ?? 0) === (row.fresh ?? 0) - (freshAfter.get(row.key) ?? 0));
      for (const row of hidden) freshGrewRounds.set(row.key, (freshGrewRounds.get(row.key) ?? 0) + 1);
      const freedBefore = new Map(freedAfter);
      for (const row of rows) {
        freshAfter.set(row.key, row.fresh ?? 0);
        freedAfter.set(row.key, freedNow(row));
      }
      if (round === 1) continue;
      if (hidden.length === 0) break;
      if (inLockstep) {
        // A cache evicts an older entry only when fn adds one. Older instances that go on dying
        // while fn is not called are freed by something else (an earlier test's sockets closing in
        // the rhythm of its runs, a timer): then the new instances are counted instead.
        const pauseStarted = now();
        await sleep(Math.min(LOCKSTEP_PAUSE_MAX_MS, Math.max(LOCKSTEP_PAUSE_MIN_MS, 2 * (pauseStarted - roundStarted))));
        await collectGarbage();
        const idle = count(baseline);
        const freedWhileIdle = hidden.filter((row) => {
          const later = idle.find((other) => other.key === row.key);
          return later !== undefined && freedNow(later) > (freedAfter.get(row.key) ?? 0);
        });
        if (freedWhileIdle.length === 0) {
          // Nothing died while idle: a cache, or older instances that had all been freed (an
          // earlier test's timers that fired during these runs, in step with them by chance). One
          // more round tells: a cache evicts again, while with none left to die the count grows.
          if (!lockstepRetried && round < rounds) {
            lockstepRetried = true;
            continue;
          }
          break;
        }
        for (const row of freedWhileIdle) byNewInstances.set(row.key, freedNow(idle.find((other) => other.key === row.key)!));
        rows = count(baseline);
        break;
      }
      if (round === rounds) {
        for (const row of hidden) {
          const freedInLastRound = freedNow(row) - (freedBefore.get(row.key) ?? 0);
          if (freshGrewRounds.get(row.key) === rounds && freedInLastRound === 0) byNewInstances.set(row.key, freedNow(row));
        }
        if (byNewInstances.size > 0) rows = count(baseline);
      }
    }
    const toLeakRows = (list: CensusRow[]): Array<[CensusRow, LeakRow]> => {
      const seen = new Set(list.map((row) => row.key));
      const vanished: LeakRow[] = [...baseline.counts]
        .filter(([key]) => !seen.has(key))
        .map(([key, count]) => ({ className: (key as { label?: string; name?: string }).label ?? (key as AnyClass).name, before: count, after: 0, leaked: -count, leaking: false, oldest: [] }));
      const pairs = list.map((row): [CensusRow, LeakRow] => [
        row,
        {
          className: row.className,
          before: baseline.counts.get(row.key) ?? 0,
          after: row.count,
          leaked: growth(row),
          ...(byNewInstances.has(row.key) ? { freedMeanwhile: byNewInstances.get(row.key)! } : {}),
          leaking: isLeaking(row),
          oldest: isLeaking(row) ? row.oldest : [],
          ...(opts.runs > 1 ? { perRun: seriesOf(row.key) } : {}),
        },
      ]);
      all = [...pairs.map(([, row]) => row), ...vanished].sort((a, b) => Number(b.leaking) - Number(a.leaking) || a.className.localeCompare(b.className));
      return pairs;
    };
    let leakRows = toLeakRows(rows);
    after = memorySample();
    if (opts.paths && all.some((row) => row.leaking)) {
      // Let this job end so the WeakRefs to leaked instances stop keeping them strongly. The paths
      // are those of the verdict's heap: found before any extra run below.
      await nextMacrotask();
      const born = [...(ledger.bornRefs() ?? []), ...(typeof siteWatch === 'object' ? (siteWatch.bornRefs() ?? []) : [])];
      const known = [...born, ...(baseline.tracked ?? []), ...timersBorn()];
      let explainedAt = now();
      // A snapshot the test's timeout would cut short: the runner would fail the test with no report.
      const leftForPaths = control.remainingMs?.();
      const pathsMs = expectedPathsMs(censusMs);
      if (leftForPaths !== undefined && leftForPaths < pathsMs + PATHS_MARGIN_MS) {
        pathsSkipped = { remainingMs: Math.max(0, leftForPaths), expectedMs: pathsMs };
        noteNoRetainerPaths(all, `not looked up: a heap snapshot takes about ${(pathsMs / 1000).toFixed(1)} s here, and the test had ${(Math.max(0, leftForPaths) / 1000).toFixed(1)} s left`);
      } else {
        control.step?.('taking a heap snapshot for the retainer paths');
        explain(all, baseline.seq, known);
        notePathsCost(now() - explainedAt, censusMs);
      }
      // An instance let go between its count and the snapshot (its timer fired or its signal aborted
      // meanwhile, which takes longer on a busy machine) has no path, and the count that failed it
      // is stale: count again after a collection, and look the paths of what is left up again.
      for (let again = 1; again <= STALE_RECOUNTS && pathsSkipped === undefined && all.some((row) => row.oldest.some(isGone)); again++) {
        await collectGarbage();
        rows = count(baseline);
        leakRows = toLeakRows(rows);
        after = memorySample();
        if (!rows.some(isLeaking)) break;
        await nextMacrotask();
        explainedAt = now();
        explain(all, baseline.seq, known);
      }
      // Objects only the debugger's promise links hold (made while a constructor hook had the
      // debugger enabled) are not the program's leak. Shown last: the first `held by` line names a
      // holder of the program's; when they are all a row shows, the caller judges again without hooks.
      for (const row of all) {
        if (row.oldest.some((instance) => heldByDebuggerOnly.has(instance))) {
          row.oldest = own([...row.oldest.filter((instance) => !heldByDebuggerOnly.has(instance)), ...row.oldest.filter((instance) => heldByDebuggerOnly.has(instance))]);
        }
      }
      const leaking = all.filter((row) => row.leaking);
      if (leaking.length > 0 && leaking.every((row) => row.oldest.length > 0 && row.oldest.every((instance) => heldByDebuggerOnly.has(instance)))) {
        return { leaked: true, rows: all, memory: { before, after }, runs, lastCallMs, moreRunCalls, debuggerOnly: true };
      }
      trace?.stop();
      if (traceAllocations) for (const row of all) row.oldest = own(preferTraced(row.oldest, Math.max(1, Math.min(OLDEST_SHOWN, row.leaked))));
      // Held only by holders that let go by themselves (a timeout due soon, an idle pooled socket):
      // wait for them, within a bound, before failing. A traced pass does not wait again: the first
      // pass waited for the same holders, and what a wait re-counts has no trace any more.
      let wait = traceAllocations ? undefined : selfReleaseWait(all, true);
      const left = wait === undefined ? undefined : control.remainingMs?.();
      if (wait?.optional === true && left !== undefined && left < wait.ms + WAIT_MARGIN_MS) {
        // Only intervals or requests in flight, which may hold for good: a leak, said to be judged without the wait.
        optionalWaitSkipped = { remainingMs: Math.max(0, left), holders: wait.holders };
        wait = undefined;
      }
      if (wait !== undefined && left !== undefined && left < wait.ms + WAIT_MARGIN_MS) {
        // Waiting would outlast the test: the runner would fail it with a timeout and no verdict.
        throw new TrackrefError(
          `could not decide within the test's timeout: the new instances are held only by ${wait.holders.join(', ')}, ` +
            `which trackref waits for (up to ${(wait.ms / 1000).toFixed(1)} s) before calling them a leak, but the test had ${(Math.max(0, left) / 1000).toFixed(1)} s left. ` +
            `Raise the test's timeout by ${Math.ceil((wait.ms + WAIT_MARGIN_MS - left) / 1000)} s or more (Jest and Vitest: test(name, fn, ms), or testTimeout in the config).`,
        );
      }
      if (wait !== undefined) {
        control.step?.(`waiting up to ${(wait.ms / 1000).toFixed(1)} s for ${wait.holders.join(', ')} to let go`);
        const waitStarted = now();
        const leakedBefore = leakedCount(all);
        const leakingBefore = new Set(rows.filter(isLeaking).map((row) => row.key));
        const stillLeaking = await waitWhileHeld(wait.ms, async () => {
          await collectGarbage();
          rows = count(baseline);
          // Older instances freed meanwhile (an earlier test's timers firing during the wait) do not
          // offset new ones still held: what is waited for is the new instances' holders.
          const offset = rows.filter((row) => leakingBefore.has(row.key) && !isLeaking(row) && (row.fresh ?? 0) > opts.tolerance);
          for (const row of offset) byNewInstances.set(row.key, (row.fresh ?? 0) - countGrowth(row));
          if (offset.length > 0) rows = count(baseline);
          return rows.some(isLeaking);
        });
        leakRows = toLeakRows(rows);
        after = memorySample();
        selfRelease = {
          waitedMs: now() - waitStarted,
          holders: wait.holders,
          released: !stillLeaking,
          ...(stillLeaking ? { counts: { before: leakedBefore, after: leakedCount(all) } } : {}),
        };
        if (stillLeaking) {
          // What is still held may be held by something else than what the paths before the wait
          // showed (the oldest instances were let go, others are kept by the user's code): the
          // report shows the paths of what is left.
          await nextMacrotask();
          const sinceMs = now() - explainedAt;
          explain(all, baseline.seq, known);
          if (markRearmedTimers(all, sinceMs)) selfRelease.rearmed = true;
        }
      }
    }
    const cheap = lastCallMs * MORE_RUNS <= MORE_RUNS_BUDGET_MS && (trackedWithoutScan(baseline, ledger) !== undefined || untracked !== undefined);
    // The verdict and its paths are final: what follows only adds to the report.
    if (all.some((row) => row.leaking)) decided({ leaked: true, rows: all, memory: { before, after }, runs, ...(selfRelease === undefined ? {} : { selfRelease }) });
    // The extra calls are skipped when the test's timeout would cut them short (each is a call of fn
    // and a settled collection); a traced pass makes none (the first pass's are reported with it).
    const wantsMore = opts.runs === 1 && rows.some(isLeaking) && cheap && !traceAllocations;
    const left = wantsMore ? control.remainingMs?.() : undefined;
    if (left !== undefined && left < MORE_RUNS * (lastCallMs + collectMs) * 2 + MORE_RUNS_MARGIN_MS) {
      moreRunsSkipped = { remainingMs: Math.max(0, left) };
    } else if (wantsMore) {
      // Against the baseline: a class judged by its new instances needs to know which are new.
      const moreRuns = await growthOnMoreRuns(call, rows.filter(isLeaking), growth, () => count(byNewInstances.size > 0 ? baseline : undefined));
      moreRunCalls = moreRuns.calls;
      for (const [census, row] of leakRows) {
        const series = moreRuns.series.get(census.key);
        if (series !== undefined) row.moreRuns = series;
      }
    }
  } finally {
    stopTimerBirths();
    // Before any other session is closed: closing one would switch tracking off anyway.
    trace?.stop();
    if (typeof siteWatch === 'object') siteWatch.close();
    ledger.close();
  }
  return {
    leaked: all.some((row) => row.leaking),
    rows: all,
    memory: { before, after },
    runs,
    lastCallMs,
    moreRunCalls,
    ...(selfRelease === undefined ? {} : { selfRelease }),
    ...(moreRunsSkipped === undefined ? {} : { moreRunsSkipped }),
    ...(optionalWaitSkipped === undefined ? {} : { optionalWaitSkipped }),
    ...(pathsSkipped === undefined ? {} : { pathsSkipped }),
  };
}
