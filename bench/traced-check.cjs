// What the traced run costs a failing check on a class without a JavaScript constructor (Map):
//   node bench/traced-check.cjs [heap-mb] [trackref directory]
// Builds a heap of about heap-mb (default 10) MB, then runs three failing checks of a function that
// makes 20,000 short-lived objects and keeps 10 Maps a call, and prints, for each, the check's
// duration, the calls of fn and each call's duration (the last is the traced one), and the site
// found. Pass another trackref directory (e.g. a checkout without the traced run) to compare.
'use strict';
const { checkLeaks } = require(process.argv[3] ?? 'trackref');

const heap = [];
for (let i = 0; i < Number(process.argv[2] ?? 10) * 5000; i++) heap.push({ id: i, s: `record ${i}`, child: { i } });
const kept = [];
const durations = [];

function work() {
  const started = performance.now();
  let sum = 0;
  for (let i = 0; i < 20000; i++) {
    const temporary = { i, a: [i, i + 1] };
    sum += temporary.a[1];
  }
  for (let i = 0; i < 10; i++) kept.push(new Map([[i, sum]]));
  durations.push(performance.now() - started);
}

(async () => {
  const results = [];
  for (let round = 0; round < 3; round++) {
    durations.length = 0;
    const started = performance.now();
    const report = await checkLeaks(work, Map);
    results.push({
      ms: Math.round(performance.now() - started),
      calls: report.calls,
      callMs: durations.map((ms) => Number(ms.toFixed(1))),
      site: report.rows.find((row) => row.leaking)?.oldest[0]?.allocationSite?.location ?? null,
    });
  }
  console.log(JSON.stringify({ heapMb: Number(process.argv[2] ?? 10), node: process.version, results }));
  // The heap is kept to the end, so every check runs on it.
  if (heap.length === 0) console.log('');
})();
