// Resident memory around a heap snapshot, on a heap of many tiny objects (2M `{ i, s }` records):
//
//   node --expose-gc bench/snapshot-rss.cjs write   v8.writeHeapSnapshot() alone
//   node --expose-gc bench/snapshot-rss.cjs check   a failing checkLeaks() with retainer paths
//
// Prints one JSON line: the snapshot's size (write), heap used, RSS before, peak RSS (VmHWM) and
// RSS after two more full collections and 200 ms. Run each mode in its own process. Not part of
// `npm run bench`: it documents the Limitations figures (docs/limitations.md), which depend on the heap's shape.
const v8 = require('node:v8');
const fs = require('node:fs');
const { checkLeaks, ObjectRef } = require('trackref');

const mode = process.argv[2];
if (mode !== 'write' && mode !== 'check') {
  console.error('Pass the mode: node --expose-gc bench/snapshot-rss.cjs write|check');
  process.exit(2);
}
if (typeof globalThis.gc !== 'function') {
  console.error('Run with node --expose-gc.');
  process.exit(2);
}

class HtmlResponse extends ObjectRef {
  constructor(url) {
    super();
    this.url = url;
  }
}
const records = [];
for (let i = 0; i < 2e6; i++) records.push({ i, s: `x${i % 100}` });
const cache = [];
const statusMb = (field) => Number(fs.readFileSync('/proc/self/status', 'utf8').match(new RegExp(`${field}:\\s+(\\d+)`))[1]) / 1e3;
const mb = (bytes) => Math.round(bytes / 1e6);

(async () => {
  gc();
  gc();
  const rssBeforeMB = Math.round(statusMb('VmRSS'));
  const heapUsedMB = mb(process.memoryUsage().heapUsed);
  let snapshotMB;
  if (mode === 'write') {
    const file = v8.writeHeapSnapshot(`/tmp/trackref-rss-${process.pid}.heapsnapshot`);
    snapshotMB = mb(fs.statSync(file).size);
    fs.rmSync(file);
  } else {
    const report = await checkLeaks(() => cache.push(new HtmlResponse('http://127.0.0.1/')), HtmlResponse);
    if (!report.leaked || !report.format().includes('held by')) throw new Error('expected a failing check with a retainer path');
  }
  gc();
  gc();
  await new Promise((resolve) => setTimeout(resolve, 200));
  const result = { mode, snapshotMB, records: records.length, heapUsedMB, rssBeforeMB, peakMB: Math.round(statusMb('VmHWM')), rssAfterMB: Math.round(statusMb('VmRSS')), heapUsedAfterMB: mb(process.memoryUsage().heapUsed) };
  console.log(JSON.stringify(result));
})();
