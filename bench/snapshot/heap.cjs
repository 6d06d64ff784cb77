// One heap size of the heap-snapshot benchmark (bench/snapshot.mjs starts one such process per size):
//
//   node --expose-gc --max-old-space-size=8192 bench/snapshot/heap.cjs \
//        --target-mb=200 --repeats=3 --snapshot=/tmp/….heapsnapshot
//
// Builds a heap like the seed's leak — a module-level `cache` of `Request`s whose `meta.referer` is
// an `HtmlResponse` with a body string — plus plain filler records until the heap snapshot is about
// `--target-mb` MB, then, `--repeats` times:
//   1. times `await checkLeaks(leakyFn, HtmlResponse)` (leakyFn caches one more Request → HtmlResponse:
//      birth counting, heap counting, then the snapshot and retainer paths), with the process's peak
//      RSS during the check (VmHWM, reset through /proc/self/clear_refs just before), and checks the
//      report names the path `cache[N].meta.referer` (a wrong result exits non-zero);
//   2. times `v8.writeHeapSnapshot(file)` of the same heap in this process, with its peak RSS too.
// The last snapshot file is kept for the memlab step; the parent deletes it. The result is one
// `BENCH_RESULT {json}` line on stdout.
//
// The check's phases are timed by wrapping functions of trackref's CommonJS build (module exports
// and prototype methods, looked up at call time); the wrappers add a few calls per check and one
// clock read per snapshot chunk.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const v8 = require('node:v8');
const { performance } = require('node:perf_hooks');
const { ObjectRef, checkLeaks, collectGarbage } = require('trackref');

// ---------------------------------------------------------------------------------------------
// The heap.

class Request extends ObjectRef {
  constructor(url, meta) {
    super();
    this.url = url;
    this.method = 'GET';
    this.meta = meta;
  }
}

class HtmlResponse extends ObjectRef {
  constructor(url, body) {
    super();
    this.url = url;
    this.status = 200;
    this.body = body;
  }
}

const LOREM = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor. '.repeat(12);
const urlOf = (i) => `https://example.com/catalogue/page-${i}.html`;
const bodyOf = (i) => `<html><head><title>Page ${i}</title></head><body><p>${LOREM}</p></body></html>`;
const cached = (i) => new Request(urlOf(i), { depth: i % 5, referer: new HtmlResponse(urlOf(i), bodyOf(i)) });

/** The leak: responses kept through the requests a crawler caches. */
const cache = [];
/** Everything else the process holds (crawled items), to bring the snapshot to the target size. */
const filler = [];

/** One more cached Request → HtmlResponse per call: what the check is asked about. */
function leakyFn() {
  cache.push(cached(cache.length));
}

/**
 * Snapshot bytes per filler record and of the rest of the heap, measured on Node 20.20 (100k records:
 * 45 MB, 1M records: 427 MB; the records take ~240 heap bytes each).
 */
const SNAPSHOT_BYTES_PER_RECORD = 430;
const BASE_SNAPSHOT_BYTES = 5e6;
const CACHED_REQUESTS = 1000;

function buildHeap(targetMb) {
  for (let i = 0; i < CACHED_REQUESTS; i++) leakyFn();
  const records = Math.max(0, Math.round((targetMb * 1e6 - BASE_SNAPSHOT_BYTES) / SNAPSHOT_BYTES_PER_RECORD));
  for (let i = 0; i < records; i++) {
    filler.push({
      url: `https://example.com/catalogue/item/${i}`,
      depth: i % 7,
      headers: { accept: 'text/html', page: i },
      links: [i, i + 1, i + 2],
    });
  }
  return records;
}

// ---------------------------------------------------------------------------------------------
// Measuring.

const args = process.argv.slice(2);
const argValue = (name, fallback) => {
  const hit = args.find((a) => a.startsWith(`--${name}=`));
  return hit === undefined ? fallback : hit.slice(name.length + 3);
};

const MB = 1024 * 1024;

/** Current and peak RSS (Linux: /proc/self/status; elsewhere: memoryUsage and getrusage). */
function status() {
  let text;
  try {
    text = fs.readFileSync('/proc/self/status', 'utf8');
  } catch {
    return { rss: process.memoryUsage().rss, hwm: process.resourceUsage().maxRSS * 1024 };
  }
  const kb = (field) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(text)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** Resets the peak-RSS mark to the current RSS (Linux ≥ 4.0); false where that is not allowed. */
function resetPeak() {
  try {
    fs.writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs `fn` and measures its wall time and the process's peak RSS while it ran, against the RSS just
 * before (after a settled full collection).
 */
async function measured(fn) {
  await collectGarbage();
  const before = status();
  const reset = resetPeak();
  const maxRssBefore = process.resourceUsage().maxRSS * 1024;
  const start = performance.now();
  const value = await fn();
  const ms = performance.now() - start;
  const after = status();
  const peak = reset ? after.hwm : process.resourceUsage().maxRSS * 1024;
  return {
    value,
    ms,
    rssBefore: before.rss,
    peakRss: peak,
    extraPeak: peak - before.rss,
    // Without a reset the peak may predate fn (then extraPeak is an upper bound of the true figure).
    peakMethod: reset ? 'VmHWM after clear_refs' : `maxRSS (was ${Math.round(maxRssBefore / MB)} MB before)`,
  };
}

// Phase timers over trackref's CommonJS build.
const dist = path.join(path.dirname(require.resolve('trackref/package.json')), 'dist', 'cjs', 'src');
const phases = {};
function timePhase(name, owner, key) {
  const original = owner[key];
  if (typeof original !== 'function') return;
  owner[key] = function timed(...params) {
    const start = performance.now();
    const result = original.apply(this, params);
    if (result && typeof result.then === 'function') {
      return result.finally(() => {
        phases[name] = (phases[name] ?? 0) + performance.now() - start;
      });
    }
    phases[name] = (phases[name] ?? 0) + performance.now() - start;
    if (name === 'snapshot' || name === 'retained') sampleMemory(`after ${name}`);
    return result;
  };
}
/** Memory at points of the check: the largest RSS seen while streaming, and after the graph is built. */
const memory = {};
function sampleMemory(point) {
  const { rss, heapTotal, heapUsed, external, arrayBuffers } = process.memoryUsage();
  if (memory[point] === undefined || rss > memory[point].rss) memory[point] = { rss, heapTotal, heapUsed, external, arrayBuffers };
}
let chunkChars = 0;
let chunks = 0;
try {
  timePhase('gc', require(path.join(dist, 'gc.js')), 'collectGarbage');
  const heapQuery = require(path.join(dist, 'heap-query.js'));
  timePhase('census', heapQuery, 'queryHeap');
  timePhase('heapIds', heapQuery, 'heapIdsOf');
  timePhase('liveObjects', heapQuery, 'objectsByHeapIds');
  timePhase('session', heapQuery, 'withSession');
  timePhase('pathText', require(path.join(dist, 'retainers.js')), 'retainerPath');
  timePhase('explain', require(path.join(dist, 'explain.js')), 'explainLeaks');
  timePhase('snapshot', require(path.join(dist, 'snapshot', 'take.js')), 'takeSnapshotWith');
  const { SnapshotParser } = require(path.join(dist, 'snapshot', 'parser.js'));
  // The snapshot file's blocks (writeBytes) or, in the inspector fallback, text chunks (write → writeBytes).
  const writeBytes = SnapshotParser.prototype.writeBytes;
  SnapshotParser.prototype.writeBytes = function timedWriteBytes(bytes) {
    chunkChars += bytes.length;
    chunks++;
    const start = performance.now();
    writeBytes.call(this, bytes);
    phases.parse = (phases.parse ?? 0) + performance.now() - start;
    sampleMemory('streaming');
  };
  timePhase('parse', SnapshotParser.prototype, 'end');
  const { HeapGraph } = require(path.join(dist, 'snapshot', 'graph.js'));
  timePhase('bfs', HeapGraph.prototype, 'parentEdges');
  timePhase('findNodes', HeapGraph.prototype, 'nodesById');
  timePhase('retained', HeapGraph.prototype, 'retainedBy');
  timePhase('disconnect', require('node:inspector').Session.prototype, 'disconnect');
} catch (error) {
  process.stderr.write(`phase timers unavailable: ${error.message}\n`);
}

const PATH = /cache\[\d+\]\.meta\.referer/;

async function main() {
  const targetMb = Number(argValue('target-mb', '20'));
  const repeats = Number(argValue('repeats', '1'));
  // Which one runs first in each repeat (the first one meets a fresh process in repeat 1).
  const writeFirst = args.includes('--write-first');
  const snapshotFile = argValue('snapshot', path.join(require('node:os').tmpdir(), `trackref-bench-${process.pid}.heapsnapshot`));
  const log = (text) => process.stderr.write(`[${targetMb} MB] ${text}\n`);

  const buildStart = performance.now();
  const records = buildHeap(targetMb);
  await collectGarbage();
  const buildMs = performance.now() - buildStart;
  log(`built ${records} filler records in ${(buildMs / 1000).toFixed(1)} s; heap used ${Math.round(process.memoryUsage().heapUsed / MB)} MB`);

  const runs = [];
  for (let r = 1; r <= repeats; r++) {
    const run = { heapUsed: process.memoryUsage().heapUsed };
    const doCheck = async () => {
      for (const key of Object.keys(phases)) delete phases[key];
      for (const key of Object.keys(memory)) delete memory[key];
      chunkChars = 0;
      chunks = 0;
      const check = await measured(() => checkLeaks(leakyFn, HtmlResponse));
      const checkPhases = { ...phases };
      sampleMemory('after check');
      const report = check.value;
      const row = report.rows.find((candidate) => candidate.className === 'HtmlResponse');
      const retainerPath = row?.oldest?.[0]?.retainerPath;
      if (!report.leaked || row === undefined || !row.leaking || typeof retainerPath !== 'string' || !PATH.test(retainerPath)) {
        process.stderr.write(`${report.format()}\n`);
        throw new Error(`wrong result: expected a leaking HtmlResponse held through ${PATH}, got path ${JSON.stringify(retainerPath)}`);
      }
      log(`check ${r}/${repeats}: ${(check.ms / 1000).toFixed(2)} s, extra peak ${Math.round(check.extraPeak / MB)} MB, path ${retainerPath}`);
      Object.assign(run, {
        check: { ms: check.ms, rssBefore: check.rssBefore, peakRss: check.peakRss, extraPeak: check.extraPeak, peakMethod: check.peakMethod },
        phases: checkPhases,
        memory: { ...memory },
        streamedChars: chunkChars,
        chunks,
        retainerPath,
        counting: report.counting,
      });
    };
    const doWrite = async () => {
      const write = await measured(() => v8.writeHeapSnapshot(snapshotFile));
      const snapshotBytes = fs.statSync(snapshotFile).size;
      if (r < repeats) fs.rmSync(snapshotFile, { force: true });
      log(`writeHeapSnapshot ${r}/${repeats}: ${(write.ms / 1000).toFixed(2)} s, ${(snapshotBytes / 1e6).toFixed(0)} MB, extra peak ${Math.round(write.extraPeak / MB)} MB`);
      run.write = { ms: write.ms, rssBefore: write.rssBefore, peakRss: write.peakRss, extraPeak: write.extraPeak, snapshotBytes };
    };
    run.order = writeFirst ? 'write, check' : 'check, write';
    if (writeFirst) {
      await doWrite();
      await doCheck();
    } else {
      await doCheck();
      await doWrite();
    }
    runs.push(run);
  }
  process.stdout.write(
    `\nBENCH_RESULT ${JSON.stringify({ targetMb, records, buildMs, node: process.version, snapshotFile, runs })}\n`,
  );
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
