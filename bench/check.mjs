// Scenario 3: what a leak check costs, compared with one full gc() of the same heap. Run by
// bench/run.mjs as
//   node --expose-gc bench/check.mjs --case=tracked|untracked|leaking [--heap-mb=50] [--jest-like] [--quick]
//
// The process first builds a heap of ~50 MB (--heap-mb) of live objects (records with a string and
// a child object), then alternates, on that same heap: one full gc() (the baseline) and one
// checkLeaks call with default options (warm-up 1, runs 1):
//   tracked:   a clean function (creates and drops 1,000 ObjectRef instances), target its class;
//   untracked: a clean function (creates and drops 1,000 instances of a plain class), target that
//              class (decided by births seen through a constructor hook); with --jest-like, the
//              process has 2,000 scripts loaded (what a Jest worker has: the constructor hook's
//              debugger set-up grows with them) and the class is created in a vm context;
//   leaking:   a function that keeps 10 ObjectRef instances per call in a global array, target its
//              class; timed until the failing report is formatted.
// An untracked check finds the constructor hooks' debugger session still enabled by the check before
// (checks in a row, the ratio reported); each repetition also times one check from cold (the session
// closed first, as for the first check in a process or after a second without checks: `coldRatio`).
// The child also records the major garbage collections V8 ran during the last check (count, ms).
import * as inspector from 'node:inspector';
import { createRequire } from 'node:module';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { ObjectRef, checkLeaks } from 'trackref';
import { Job, buildHeap, loadScripts, plainJobClass } from './check-fixture.mjs';
import { args, argValue, fullGc, now, quick, report, stats, tick } from './lib.mjs';

const HEAP_MB = Number(argValue('heap-mb', 50));
const JEST_LIKE = args.includes('--jest-like');
const PlainJob = plainJobClass(JEST_LIKE);
const loadedScripts = JEST_LIKE ? loadScripts() : [];

let sinkValue = 0;

function cleanTracked() {
  let s = 0;
  for (let i = 0; i < 1000; i++) s += new Job(i).id;
  sinkValue += s;
}

function cleanPlain() {
  let s = 0;
  for (let i = 0; i < 1000; i++) s += new PlainJob(i).id;
  sinkValue += s;
}

const leaked = [];
function leaking() {
  for (let i = 0; i < 10; i++) leaked.push(new Job(i));
}

const CASES = {
  tracked: async () => {
    const r = await checkLeaks(cleanTracked, Job);
    if (r.leaked) throw new Error(`clean tracked function reported as leaking:\n${r.format()}`);
    return r;
  },
  untracked: async () => {
    const r = await checkLeaks(cleanPlain, PlainJob);
    if (r.leaked) throw new Error(`clean untracked function reported as leaking:\n${r.format()}`);
    return r;
  },
  leaking: async () => {
    const r = await checkLeaks(leaking, Job);
    if (!r.leaked) throw new Error('leaking function not reported as leaking');
    sinkValue += r.format().length;
    return r;
  },
};

/** Records garbage collections; `major(from, to)` sums the major ones that started in a time window. */
function gcRecorder() {
  const entries = [];
  const observer = new PerformanceObserver((list) => entries.push(...list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  return {
    async major(from, to) {
      await tick();
      await new Promise((resolve) => setTimeout(resolve, 20));
      const major = entries.filter(
        (e) => (e.detail?.kind ?? e.kind) === constants.NODE_PERFORMANCE_GC_MAJOR && e.startTime >= from && e.startTime <= to,
      );
      return { count: major.length, ms: major.reduce((sum, e) => sum + e.duration, 0) };
    },
    stop: () => observer.disconnect(),
  };
}

/** A heap snapshot of this heap taken by V8 with its chunks dropped (V8's share of a retainer search). */
function rawSnapshotMs() {
  const session = new inspector.Session();
  session.connect();
  let bytes = 0;
  session.on('HeapProfiler.addHeapSnapshotChunk', (m) => {
    bytes += m.params.chunk.length;
  });
  try {
    const start = now();
    session.post('HeapProfiler.takeHeapSnapshot', { reportProgress: false, captureNumericValue: false });
    return { ms: now() - start, mb: bytes / 2 ** 20 };
  } finally {
    session.disconnect();
  }
}

/** One run of trackref's internal heap query for `cls` (what heap counting does per census), if present. */
function queryHeapMs(cls) {
  try {
    const require = createRequire(import.meta.url);
    const { queryHeap } = require(require.resolve('trackref').replace(/index\.js$/, 'heap-query.js'));
    const start = now();
    queryHeap(cls);
    return now() - start;
  } catch {
    return undefined;
  }
}

/** trackref's own snapshot (V8 snapshot streamed into its parser and graph), if the build has one. */
/** trackref's constructor-hook internals (closing the idle debugger session; its state). */
function hookInternals() {
  const require = createRequire(import.meta.url);
  return require(require.resolve('trackref').replace(/index\.js$/, 'constructor-hook.js'));
}

function trackrefSnapshotMs() {
  try {
    const require = createRequire(import.meta.url);
    const { takeSnapshot } = require(require.resolve('trackref').replace(/index\.js$/, 'snapshot/take.js'));
    const start = now();
    takeSnapshot();
    return now() - start;
  } catch {
    return undefined;
  }
}

async function main() {
  const which = argValue('case', 'tracked');
  const run = CASES[which];
  if (run === undefined) throw new Error(`Unknown case ${which}`);
  const reps = Number(argValue('reps', quick ? 1 : { tracked: 9, untracked: 5, leaking: 3 }[which]));
  globalThis.benchHeap = buildHeap(HEAP_MB);
  fullGc(2);
  const heapMB = process.memoryUsage().heapUsed / 2 ** 20;
  // Warm-up (JIT, gc function, inspector context discovery). The failing check warms up with a
  // passing one: a failing check on this heap takes seconds, and its snapshot parser warms up fast.
  await (which === 'leaking' ? CASES.tracked : run)();
  const gcMs = [];
  const checkMs = [];
  const ratios = [];
  const gcCounts = [];
  const gcTotals = [];
  let counting;
  const hook = hookInternals();
  const coldMs = [];
  const coldRatios = [];
  let warmSession = 0;
  const recorder = gcRecorder();
  for (let r = 0; r < reps; r++) {
    fullGc(1);
    let start = now();
    fullGc(1);
    const g = now() - start;
    const warm = which === 'untracked' && hook.debuggerState() === 'idle';
    start = now();
    const result = await run();
    const end = now();
    const c = end - start;
    counting = result.counting;
    gcMs.push(g);
    checkMs.push(c);
    ratios.push(c / g);
    const gcs = await recorder.major(start, end);
    gcCounts.push(gcs.count);
    gcTotals.push(gcs.ms);
    if (which === 'untracked') {
      warmSession += warm ? 1 : 0;
      hook.closeIdleDebugger();
      const coldStart = now();
      await run();
      coldMs.push(now() - coldStart);
      coldRatios.push(coldMs.at(-1) / g);
    }
  }
  recorder.stop();
  let query;
  if (which !== 'tracked') {
    const samples = [queryHeapMs(which === 'leaking' ? ObjectRef : PlainJob), queryHeapMs(which === 'leaking' ? ObjectRef : PlainJob)];
    query = samples.includes(undefined) ? undefined : stats(samples);
  }
  let snapshot;
  if (which === 'leaking') {
    fullGc(1);
    snapshot = { raw: rawSnapshotMs(), trackref: trackrefSnapshotMs() };
  }
  report({
    case: which,
    heapMB,
    jestLike: JEST_LIKE,
    scripts: loadedScripts.length,
    reps,
    counting,
    gc: stats(gcMs),
    check: stats(checkMs),
    ratio: stats(ratios),
    ...(which === 'untracked' ? { coldCheck: stats(coldMs), coldRatio: stats(coldRatios), warmSession } : {}),
    majorGcsPerCheck: { count: stats(gcCounts), ms: stats(gcTotals) },
    query,
    snapshot,
    sink: sinkValue + globalThis.benchHeap.length,
  });
}

await main();
