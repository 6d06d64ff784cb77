// Scenario 1: what extending ObjectRef costs. Run by bench/run.mjs as
//   node --expose-gc bench/overhead.mjs --case=time|memory [--quick]
//
// time:   1M constructions of a 3-field class extending ObjectRef vs the same plain class (and, for
//         information, the same class extending an empty plain base), (a) construct-and-discard and
//         (b) kept alive in a preallocated array. Variants are interleaved (rotating order) after a
//         warm-up, and each one has its own monomorphic loop. Every object escapes into a ring
//         buffer or the array and one field is summed into a sink, so V8 can neither remove the
//         allocation (escape analysis) nor the construction.
// memory: heapUsed after full gc with 1M live tracked vs 1M live plain objects; the difference
//         divided by 1M is what tracking adds per live object.
// --debugger-enabled: the same, while trackref's shared debugger session (the constructor hooks')
//         is enabled, with a hook armed on an unrelated class: what code running between checks,
//         while the session is still enabled, pays for it.
import { createRequire } from 'node:module';
import { ObjectRef } from 'trackref';
import { args, argValue, fullGc, heapUsedAfterGc, now, packedArray, quick, report, stats } from './lib.mjs';

const N = 1_000_000;

class Plain {
  constructor(a, b, c) {
    this.a = a;
    this.b = b;
    this.c = c;
  }
}

class Tracked extends ObjectRef {
  constructor(a, b, c) {
    super();
    this.a = a;
    this.b = b;
    this.c = c;
  }
}

class EmptyBase {}
class Derived extends EmptyBase {
  constructor(a, b, c) {
    super();
    this.a = a;
    this.b = b;
    this.c = c;
  }
}

let sinkValue = 0;
const ring = new Array(64).fill(null);

// One loop per variant and mode, so each stays monomorphic.
function discardPlain(n) {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const o = new Plain(i, i + 1, i + 2);
    ring[i & 63] = o;
    s += o.b;
  }
  sinkValue += s;
}
function discardTracked(n) {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const o = new Tracked(i, i + 1, i + 2);
    ring[i & 63] = o;
    s += o.b;
  }
  sinkValue += s;
}
function discardDerived(n) {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const o = new Derived(i, i + 1, i + 2);
    ring[i & 63] = o;
    s += o.b;
  }
  sinkValue += s;
}
function keepPlain(arr, n) {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const o = new Plain(i, i + 1, i + 2);
    arr[i] = o;
    s += o.c;
  }
  sinkValue += s;
}
function keepTracked(arr, n) {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const o = new Tracked(i, i + 1, i + 2);
    arr[i] = o;
    s += o.c;
  }
  sinkValue += s;
}
function keepDerived(arr, n) {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const o = new Derived(i, i + 1, i + 2);
    arr[i] = o;
    s += o.c;
  }
  sinkValue += s;
}

const VARIANTS = ['plain', 'tracked', 'derived'];
const DISCARD = { plain: discardPlain, tracked: discardTracked, derived: discardDerived };
const KEEP = { plain: keepPlain, tracked: keepTracked, derived: keepDerived };

// One repetition of a variant is the best of a few back-to-back batches of 1M, each from a freshly
// collected heap: on a shared machine the minimum filters out batches the scheduler interrupted.
const DISCARD_BATCHES = 3;
const KEEP_BATCHES = 2;

function timeDiscard(variant) {
  let best = Infinity;
  for (let b = 0; b < DISCARD_BATCHES; b++) {
    fullGc(1);
    const start = now();
    DISCARD[variant](N);
    best = Math.min(best, now() - start);
  }
  return best;
}

function timeKeep(variant, arr) {
  let best = Infinity;
  for (let b = 0; b < KEEP_BATCHES; b++) {
    arr.fill(null);
    fullGc(1);
    const start = now();
    KEEP[variant](arr, N);
    best = Math.min(best, now() - start);
    arr.fill(null);
  }
  return best;
}

function measureTime() {
  const reps = Number(argValue('reps', quick ? 5 : 11));
  const arr = packedArray(N);
  // Warm-up: get every loop optimised on both paths before anything is timed.
  for (let w = 0; w < 2; w++) {
    for (const v of VARIANTS) {
      timeDiscard(v);
      timeKeep(v, arr);
    }
  }
  const discard = { plain: [], tracked: [], derived: [] };
  const keep = { plain: [], tracked: [], derived: [] };
  const discardRatio = [];
  const keepRatio = [];
  for (let r = 0; r < reps; r++) {
    // Rotate the order each repetition so no variant always runs first or last.
    const order = VARIANTS.map((_, i) => VARIANTS[(i + r) % VARIANTS.length]);
    const d = {};
    const k = {};
    for (const v of order) d[v] = timeDiscard(v);
    for (const v of order) k[v] = timeKeep(v, arr);
    for (const v of VARIANTS) {
      discard[v].push(d[v]);
      keep[v].push(k[v]);
    }
    discardRatio.push(d.tracked / d.plain);
    keepRatio.push(k.tracked / k.plain);
  }
  return {
    n: N,
    reps,
    discard: Object.fromEntries(VARIANTS.map((v) => [v, stats(discard[v])])),
    keep: Object.fromEntries(VARIANTS.map((v) => [v, stats(keep[v])])),
    batches: { discard: DISCARD_BATCHES, keep: KEEP_BATCHES },
    discardRatio: stats(discardRatio),
    keepRatio: stats(keepRatio),
    sink: sinkValue,
  };
}

function liveBytes(variant) {
  const Cls = { plain: Plain, tracked: Tracked }[variant];
  const arr = packedArray(N);
  const before = heapUsedAfterGc();
  for (let i = 0; i < N; i++) arr[i] = new Cls(i, i + 1, i + 2);
  const after = heapUsedAfterGc();
  sinkValue += arr[N - 1].a;
  return (after - before) / N;
}

function measureMemory() {
  const reps = Number(argValue('reps', quick ? 2 : 5));
  const perObject = { plain: [], tracked: [] };
  const extra = [];
  liveBytes('plain');
  liveBytes('tracked');
  for (let r = 0; r < reps; r++) {
    const order = r % 2 === 0 ? ['plain', 'tracked'] : ['tracked', 'plain'];
    const got = {};
    for (const v of order) got[v] = liveBytes(v);
    perObject.plain.push(got.plain);
    perObject.tracked.push(got.tracked);
    extra.push(got.tracked - got.plain);
  }
  return { n: N, reps, plain: stats(perObject.plain), tracked: stats(perObject.tracked), extra: stats(extra), sink: sinkValue };
}

const which = argValue('case', 'time');
let watch;
if (args.includes('--debugger-enabled')) {
  const require = createRequire(import.meta.url);
  const { watchBirths } = require(require.resolve('trackref').replace(/index\.js$/, 'constructor-hook.js'));
  class Unrelated {
    constructor() {
      this.x = 1;
    }
  }
  watch = watchBirths([Unrelated], { limit: 10, captureSites: false }).watch;
}
if (which === 'time') {
  report(measureTime());
} else if (which === 'memory') {
  report(measureMemory());
} else {
  throw new Error(`Unknown case ${which} (args: ${args.join(' ')})`);
}
watch?.close();
