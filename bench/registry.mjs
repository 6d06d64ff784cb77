// Scenario 2: registry queries over a big population of live tracked objects. Run by bench/run.mjs as
//   node --expose-gc bench/registry.mjs --case=format|oldest [--quick]
//
// format: formatLiveRefs() with 1M live tracked objects spread over 10 classes (100k each).
// oldest: getOldest(Cls) on a class with 1M live objects.
// Besides the call itself, the child times the pieces it is made of on the same heap, so the report
// can say what dominates: one full gc(); the raw inspector Runtime.queryObjects on
// ObjectRef.prototype (V8's own garbage collections + heap walk + result array), with the garbage
// collections V8 ran inside it; and trackref's internal queryHeap(ObjectRef) (raw query + handing the
// array back + filtering prototypes). What is left of the call is trackref's JavaScript (sorting,
// grouping, formatting).
import * as inspector from 'node:inspector';
import { createRequire } from 'node:module';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { ObjectRef, formatLiveRefs, getOldest } from 'trackref';
import { argValue, fullGc, now, quick, report, stats, tick } from './lib.mjs';

const require = createRequire(import.meta.url);
const N = 1_000_000;
const CLASSES = 10;

function makeClass(name) {
  // A distinct class per name, extending ObjectRef, with three fields like the overhead scenario.
  const cls = {
    [name]: class extends ObjectRef {
      constructor(i) {
        super();
        this.id = i;
        this.url = null;
        this.meta = null;
      }
    },
  }[name];
  return cls;
}

/** trackref's internal heap query (same module instance as the public entry), if it is there. */
function internalQueryHeap() {
  try {
    const entry = require.resolve('trackref');
    return require(entry.replace(/index\.js$/, 'heap-query.js')).queryHeap;
  } catch {
    return undefined;
  }
}

/** Raw `Runtime.queryObjects` for ObjectRef.prototype over an in-process session (result released). */
function rawQueryObjects() {
  const session = new inspector.Session();
  session.connect();
  const post = (method, params) => {
    let out;
    let failure;
    session.post(method, params, (err, res) => {
      failure = err;
      out = res;
    });
    if (failure) throw failure;
    return out;
  };
  globalThis.__benchProto = ObjectRef.prototype;
  try {
    const proto = post('Runtime.evaluate', { expression: 'globalThis.__benchProto', objectGroup: 'bench' }).result;
    const start = now();
    post('Runtime.queryObjects', { prototypeObjectId: proto.objectId, objectGroup: 'bench' });
    const ms = now() - start;
    post('Runtime.releaseObjectGroup', { objectGroup: 'bench' });
    return ms;
  } finally {
    delete globalThis.__benchProto;
    session.disconnect();
  }
}

/** Major garbage collections (count, total ms) that V8 ran during `fn`. */
async function majorGcsDuring(fn) {
  const entries = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) entries.push(entry);
  });
  observer.observe({ entryTypes: ['gc'] });
  fn();
  await tick();
  await new Promise((resolve) => setTimeout(resolve, 20));
  observer.disconnect();
  const major = entries.filter((e) => (e.detail?.kind ?? e.kind) === constants.NODE_PERFORMANCE_GC_MAJOR);
  return { count: major.length, ms: major.reduce((sum, e) => sum + e.duration, 0) };
}

async function main() {
  const which = argValue('case', 'format');
  const reps = Number(argValue('reps', quick ? 2 : 5));
  const classes = which === 'format' ? Array.from({ length: CLASSES }, (_, i) => makeClass(`Item${i}`)) : [makeClass('Request')];
  const live = new Array(N);
  for (let i = 0; i < N; i++) live[i] = new classes[i % classes.length](i);
  fullGc(2);
  await tick();

  const queryHeap = internalQueryHeap();
  const call = which === 'format' ? () => formatLiveRefs() : () => getOldest(classes[0]);
  let output;
  const check = () => {
    output = call();
    if (which === 'format' && !/^Item9 +100000 /m.test(output)) {
      throw new Error(`formatLiveRefs() output is not what the benchmark built:\n${output}`);
    }
    if (which === 'oldest' && output !== live[0]) {
      throw new Error('getOldest() did not return the oldest instance');
    }
  };
  check(); // warm-up (and a correctness check of what is timed)
  output = undefined;

  const samples = { call: [], gc: [], rawQuery: [], queryHeap: [] };
  const breakdownReps = Math.min(reps, 3);
  for (let r = 0; r < reps; r++) {
    let start = now();
    check();
    samples.call.push(now() - start);
    output = undefined;
    if (r >= breakdownReps) continue;
    fullGc(1);
    start = now();
    fullGc(1);
    samples.gc.push(now() - start);
    samples.rawQuery.push(rawQueryObjects());
    if (queryHeap !== undefined) {
      start = now();
      const found = queryHeap(ObjectRef).instances.length;
      samples.queryHeap.push(now() - start);
      if (found !== N) throw new Error(`queryHeap found ${found} instances, expected ${N}`);
    }
  }
  const gcs = await majorGcsDuring(rawQueryObjects);
  const result = {
    case: which,
    n: N,
    classes: classes.length,
    reps,
    call: stats(samples.call),
    gc: stats(samples.gc),
    rawQuery: stats(samples.rawQuery),
    queryHeap: samples.queryHeap.length > 0 ? stats(samples.queryHeap) : undefined,
    rawQueryMajorGcs: gcs,
    heapUsedMB: process.memoryUsage().heapUsed / 2 ** 20,
  };
  live.length = 0;
  report(result);
}

await main();
