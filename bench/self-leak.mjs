#!/usr/bin/env node
// Benchmark of trackref's own memory: does the tool leak itself? Runs the two self-leak scripts of
// test/fixtures/self-leak/ (each in a node process of its own) and prints a Markdown table:
//   - 1,000,000 tracked objects (ObjectRef subclasses and track()ed objects) created and dropped in
//     batches of 10,000, some inside checks: heap used after full collections, after vs before; what
//     trackref still holds (registry, WeakRefs, FinalizationRegistries, counted by V8).
//   - N consecutive checks of 15 kinds (passing, failing with/without paths, runs, growth, warm-up,
//     names, async, throwing): heap used (without compiled code) after the last check vs after the warm-up checks, wrong
//     verdicts, and the mean time per check of the commonest kinds.
// Usage: node bench/self-leak.mjs [--quick] [--checks=N]   (default 10,000 checks; --quick 2,000)
// Needs a built dist/ (npm run build). Also prints one `BENCH_RESULT {...}` line.
import { argValue, quick } from './lib.mjs';
import { runSelfLeakScript } from '../test/fixtures/self-leak/run.mjs';

const checks = Number(argValue('checks', quick ? 2000 : 10_000));
const warmup = Math.min(1000, Math.max(1, Math.floor(checks / 4)));
const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(2)} MB`;
const x = (ratio) => `${ratio.toFixed(3)}x`;
const yes = (ok) => (ok ? 'yes' : '**no**');

const drop = (await runSelfLeakScript('drop-million.cjs', ['--objects=1000000'])).result;
const many = (await runSelfLeakScript('many-checks.cjs', [String(checks), `--warmup=${warmup}`, `--every=${warmup}`])).result;

const first = many.series[0];
const last = many.series[many.series.length - 1];
/** Heap used without V8's compiled code: the JIT goes on optimising for thousands of checks, bounded by the code loaded. */
const objects = (point) => point.heapUsed - point.codeSpace;
const checksRatio = objects(last) / objects(first);
const kept = ['Request', 'HtmlResponse', 'LibRequest'].reduce((sum, cls) => sum + drop.v8After[cls], 0);
const perCheck = (kind) => `${(many.kinds[kind].ms / many.kinds[kind].count).toFixed(1)} ms`;

const rows = [
  ['1,000,000 tracked objects created and dropped: heap used after / before', `${x(drop.heapRatio)} (${mb(drop.baseline.heapUsed)} → ${mb(drop.after.heapUsed)}; peak ${mb(drop.peakHeapUsed)})`, '≤ 1.05x', yes(drop.heapRatio <= 1.05)],
  ['… instances left; WeakRefs and FinalizationRegistries before → after (V8 counts)', `${kept}; ${drop.v8Before.WeakRef} → ${drop.v8After.WeakRef}; ${drop.v8Before.FinalizationRegistry} → ${drop.v8After.FinalizationRegistry}`, '0; unchanged', yes(kept === 0 && drop.v8After.WeakRef === drop.v8Before.WeakRef && drop.v8After.FinalizationRegistry === drop.v8Before.FinalizationRegistry)],
  ['… time to create and drop them (half `extends ObjectRef`, half `track()`)', `${(drop.createMs / 1000).toFixed(2)} s`, '—', '—'],
  [`${checks.toLocaleString('en-US')} consecutive checks: heap used without compiled code after the last / after check ${warmup.toLocaleString('en-US')}`, `${x(checksRatio)} (${mb(objects(first))} → ${mb(objects(last))}; compiled code ${mb(first.codeSpace)} → ${mb(last.codeSpace)})`, '≤ 1.05x', yes(checksRatio <= 1.05)],
  ['… wrong verdicts; WeakRefs trackref holds, first → last checkpoint', `${many.wrongVerdicts}; ${first.liveWeakRef} → ${last.liveWeakRef}`, '0; unchanged', yes(many.wrongVerdicts === 0 && first.liveWeakRef === last.liveWeakRef)],
  ['… mean time per check: clean (births) / clean untracked class (heap count) / failing without paths / failing with paths', `${perCheck('trackedPass')} / ${perCheck('untrackedPass')} / ${perCheck('failNoPaths')} / ${perCheck('failPaths')}`, '—', '—'],
];
console.log('| Measure | Result | Target | Met |\n|---|---|---|---|');
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
console.log(
  `\nNode ${many.node}. Heap used is the smallest of 9 (objects) or 3 (checks) readings, each right after trackref's settled full collection and two synchronous full collections; the million objects are measured after a warm-up of 100,000; ` +
    `each script runs alone in its own process (test/fixtures/self-leak/). The check series samples the heap every ${warmup.toLocaleString('en-US')} checks; ` +
    `whole run ${(many.wallMs / 1000).toFixed(0)} s.`,
);
console.log(`BENCH_RESULT ${JSON.stringify({ drop: { heapRatio: drop.heapRatio, createMs: drop.createMs, kept }, checks: { count: checks, heapRatio: checksRatio, wrong: many.wrongVerdicts } })}`);
