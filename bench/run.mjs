#!/usr/bin/env node
// trackref benchmarks: `npm run bench` (builds first) or `node bench/run.mjs [--quick] [--write-docs] [--json]`.
// Runs each scenario in its own child process (node --expose-gc), one after the other, and prints a
// Markdown table of medians with their spread. --write-docs (old name: --write-readme) replaces the block
// between <!-- bench:start --> and <!-- bench:end --> in docs/performance.md (nothing else is touched).
// Benchmarks are not tests: missed targets are reported, not failed; a scenario that crashes is.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const writeDocs = argv.includes('--write-docs') || argv.includes('--write-readme');
const full = argv.includes('--full');
const printJson = argv.includes('--json');
const nodeArg = argv.find((a) => a.startsWith('--node='));
/** The Node binary the scenarios run on (default: this one), e.g. --node=/path/to/node24/bin/node. */
const nodeBinary = nodeArg === undefined ? process.execPath : nodeArg.slice('--node='.length);
const unknown = argv.filter((a) => !['--quick', '--full', '--write-docs', '--write-readme', '--json'].includes(a) && a !== nodeArg);
if (unknown.length > 0) {
  console.error(`Unknown option(s) ${unknown.join(' ')}. Usage: node bench/run.mjs [--quick | --full] [--write-docs] [--json] [--node=PATH]`);
  process.exit(2);
}

const SCENARIOS = [
  { id: 'overhead-time', file: 'overhead.mjs', case: 'time' },
  { id: 'overhead-time-debugger', file: 'overhead.mjs', case: 'time', extra: ['--debugger-enabled'] },
  { id: 'overhead-memory', file: 'overhead.mjs', case: 'memory' },
  { id: 'registry-format', file: 'registry.mjs', case: 'format' },
  { id: 'registry-oldest', file: 'registry.mjs', case: 'oldest' },
  { id: 'check-tracked', file: 'check.mjs', case: 'tracked' },
  { id: 'check-untracked', file: 'check.mjs', case: 'untracked' },
  { id: 'check-untracked-15', file: 'check.mjs', case: 'untracked', extra: ['--heap-mb=15', '--jest-like'] },
  { id: 'check-untracked-50', file: 'check.mjs', case: 'untracked', extra: ['--heap-mb=50', '--jest-like'] },
  { id: 'check-untracked-200', file: 'check.mjs', case: 'untracked', extra: ['--heap-mb=200', '--jest-like'] },
  { id: 'check-leaking', file: 'check.mjs', case: 'leaking' },
];
const CHILD_TIMEOUT_MS = 240_000;

function runChild(scenario) {
  const childArgs = ['--expose-gc', join(here, scenario.file), `--case=${scenario.case}`, ...(scenario.extra ?? []), ...(quick ? ['--quick'] : [])];
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(nodeBinary, childArgs, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const seconds = (Date.now() - started) / 1000;
      const line = stdout.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
      if (code === 0 && line !== undefined) {
        resolve({ ok: true, seconds, result: JSON.parse(line.slice('BENCH_RESULT '.length)) });
      } else {
        const why = signal ? `killed by ${signal}${signal === 'SIGKILL' ? ` (over ${CHILD_TIMEOUT_MS / 1000} s)` : ''}` : `exit code ${code}`;
        resolve({ ok: false, seconds, error: `${why}\n${(stderr || stdout).trim().split('\n').slice(-15).join('\n')}` });
      }
    });
  });
}

// ---- formatting -------------------------------------------------------------------------------

const f1 = (x) => x.toFixed(1);
const ms = (x) => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : x >= 100 ? `${x.toFixed(0)} ms` : `${x.toFixed(1)} ms`);
const ratio = (x) => `${x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)}x`;
const spreadOf = (s, fmt) => `${fmt(s.min)}–${fmt(s.max)} (n=${s.n})`;

/** Table rows from scenario results; every row says how it was measured in a footnote. */
function buildRows(results) {
  const rows = [];
  const failed = (id, name, target, note) => rows.push({ name, trackref: 'error', baseline: '', ratio: '', target, met: '—', ref: '', spread: '', note, error: id });

  const t = results['overhead-time'];
  const discardNote = '1M `new C(i, i+1, i+2)` of a 3-field class, each stored into a 64-slot ring buffer (so it escapes and dies young) with a field summed into a sink; tracked = same class `extends ObjectRef`; variants interleaved after warm-up; a repetition is the best of 3 batches of 1M, each after gc(); median over repetitions, ratio of medians, spread = per-repetition ratios.';
  const keepNote = 'As above but each object stored at `arr[i]` of a preallocated packed 1M-element array (kept alive until the batch ends; best of 2 batches, each after emptying the array and gc()).';
  if (t?.ok) {
    const r = t.result;
    const d = r.discard;
    const k = r.keep;
    const dr = d.tracked.median / d.plain.median;
    const kr = k.tracked.median / k.plain.median;
    rows.push({ name: 'Construction, construct-and-discard (1M objects)', trackref: `${f1(d.tracked.median)} ns/obj`, baseline: `${f1(d.plain.median)} ns/obj`, ratio: ratio(dr), target: '≤ 1.4x', met: dr <= 1.4, ref: '4.9x', spread: spreadOf(r.discardRatio, ratio), note: discardNote });
    rows.push({ name: 'Construction, kept alive (1M objects)', trackref: `${f1(k.tracked.median)} ns/obj`, baseline: `${f1(k.plain.median)} ns/obj`, ratio: ratio(kr), target: '≤ 1.2x', met: kr <= 1.2, ref: '3.4–4.1x', spread: spreadOf(r.keepRatio, ratio), note: keepNote });
  } else {
    failed('overhead-time', 'Construction, construct-and-discard (1M objects)', '≤ 1.4x', discardNote);
    failed('overhead-time', 'Construction, kept alive (1M objects)', '≤ 1.2x', keepNote);
  }
  const td = results['overhead-time-debugger'];
  const debuggerNote =
    "Same, in a process where trackref's shared debugger session (the constructor hooks') is enabled, with a hook armed on an unrelated class, as between two checks on untracked classes less than a second apart; ratio of the tracked median to the plain one in that process. The plain class with the session enabled vs without: in the breakdown below.";
  if (td?.ok) {
    const r = td.result;
    const dr = r.discard.tracked.median / r.discard.plain.median;
    const kr = r.keep.tracked.median / r.keep.plain.median;
    rows.push({ name: 'Construction, discard / kept alive, debugger session enabled', trackref: `${f1(r.discard.tracked.median)} / ${f1(r.keep.tracked.median)} ns/obj`, baseline: `${f1(r.discard.plain.median)} / ${f1(r.keep.plain.median)} ns/obj`, ratio: `${ratio(dr)} / ${ratio(kr)}`, target: '≤ 1.4x / ≤ 1.2x', met: dr <= 1.4 && kr <= 1.2, ref: '', spread: `${spreadOf(r.discardRatio, ratio)}; ${spreadOf(r.keepRatio, ratio)}`, note: debuggerNote });
  } else {
    failed('overhead-time-debugger', 'Construction, discard / kept alive, debugger session enabled', '≤ 1.4x / ≤ 1.2x', debuggerNote);
  }

  const m = results['overhead-memory'];
  const memNote = '`process.memoryUsage().heapUsed` after 3 full gc() before and after filling a preallocated 1M-element array with tracked (resp. plain) objects; (after − before) / 1M, tracked minus plain; variants alternated.';
  if (m?.ok) {
    const r = m.result;
    rows.push({ name: 'Memory per live tracked object (1M live)', trackref: `${f1(r.tracked.median)} B/obj`, baseline: `${f1(r.plain.median)} B/obj`, ratio: `+${f1(r.extra.median)} B`, target: '≤ +48 B', met: r.extra.median <= 48, ref: '+154 B', spread: spreadOf(r.extra, (x) => `+${f1(x)} B`), note: memNote });
  } else {
    failed('overhead-memory', 'Memory per live tracked object (1M live)', '≤ +48 B', memNote);
  }

  const registryRow = (id, name, targetMs, note) => {
    const x = results[id];
    if (!x?.ok) return failed(id, name, `≤ ${targetMs} ms`, note);
    const r = x.result;
    rows.push({ name, trackref: ms(r.call.median), baseline: `${targetMs} ms (Scrapy, reference)`, ratio: ratio(r.call.median / targetMs), target: `≤ ${targetMs} ms`, met: r.call.median <= targetMs, ref: `${targetMs} ms`, spread: spreadOf(r.call, ms), note });
  };
  registryRow('registry-format', '`formatLiveRefs()`, 1M live over 10 classes', 40, 'Wall time of one `formatLiveRefs()` call with 1M live tracked objects (100k in each of 10 `ObjectRef` subclasses), after a warm-up call; baseline is the figure quoted from Scrapy, not measured here.');
  registryRow('registry-oldest', '`getOldest(Cls)`, 1 class with 1M live', 61, 'Wall time of one `getOldest(Request)` with 1M live `Request extends ObjectRef` objects (checked to return the oldest), after a warm-up call; baseline is the figure quoted from Scrapy.');

  const checkRow = (id, name, target, note) => {
    const x = results[id];
    if (!x?.ok) return failed(id, name, target ?? 'info', note);
    const r = x.result;
    const limit = target === undefined ? undefined : Number(/([\d.]+)x/.exec(target)?.[1]);
    const metTarget = limit === undefined ? undefined : r.check.median / r.gc.median <= limit;
    rows.push({ name, trackref: ms(r.check.median), baseline: `${ms(r.gc.median)} (one gc())`, ratio: ratio(r.check.median / r.gc.median), target: target ?? 'info', met: metTarget, ref: '', spread: spreadOf(r.ratio, ratio), note });
  };
  const heapText = results['check-tracked']?.ok ? `${results['check-tracked'].result.heapMB.toFixed(0)} MB` : '~50 MB';
  checkRow('check-tracked', '`checkLeaks` passing, tracked class', '≤ 1.2x', `\`checkLeaks(fn, Job)\` (defaults: 1 warm-up, 1 run) where fn creates and drops 1,000 \`Job extends ObjectRef\`, on a heap of ${heapText} live objects, vs one full gc() of that same heap timed just before; ratio of medians, spread = per-pair ratios.`);
  checkRow('check-untracked', '`checkLeaks` passing, untracked class', undefined, 'Same, with a plain class that does not extend ObjectRef (its births seen through a constructor hook).');
  for (const mb of [15, 50, 200]) {
    const x = results[`check-untracked-${mb}`];
    const size = x?.ok ? `${x.result.heapMB.toFixed(0)} MB` : `~${mb} MB`;
    checkRow(`check-untracked-${mb}`, `\`checkLeaks\` passing, untracked class, Jest-like, ${size}`, mb < 50 ? '≤ 5x' : '≤ 2.5x', `Same untracked check, on a heap of ${size} with 2,000 scripts loaded and the class created in a vm context (as in a Jest worker), vs one full gc() of that heap.`);
  }
  checkRow('check-leaking', '`checkLeaks` failing, leaking function', undefined, 'Same (the process is warmed up by one passing check), with fn keeping 10 `Job` per call in a global array; timed until the failing report is formatted (`report.format()`).');
  return rows;
}

function breakdown(results) {
  const lines = [];
  const t = results['overhead-time'];
  if (t?.ok) {
    const r = t.result;
    lines.push(
      `- Construction, discarded / kept alive: plain ${f1(r.discard.plain.median)} / ${f1(r.keep.plain.median)} ns/obj; the same class extending an empty plain base class (subclassing without trackref) ${f1(r.discard.derived.median)} / ${f1(r.keep.derived.median)}; extending \`ObjectRef\` ${f1(r.discard.tracked.median)} / ${f1(r.keep.tracked.median)}.`,
    );
  }
  for (const id of ['registry-format', 'registry-oldest']) {
    const x = results[id];
    if (!x?.ok) continue;
    const r = x.result;
    const name = id === 'registry-format' ? '`formatLiveRefs()`' : '`getOldest()`';
    const query = r.queryHeap?.median;
    lines.push(
      `- ${name} ${ms(r.call.median)} (heap ${r.heapUsedMB.toFixed(0)} MB): V8's \`Runtime.queryObjects\` alone ${ms(r.rawQuery.median)} (of which ${r.rawQueryMajorGcs.count} full GCs, ${ms(r.rawQueryMajorGcs.ms)}); ` +
        (query === undefined
          ? 'trackref internals not found for a finer split; '
          : `trackref's \`queryHeap\` (query + handing back + filtering) ${ms(query)}; the rest (trackref's JavaScript over the found objects) ${ms(Math.max(0, r.call.median - query))}; `) +
        `one gc() of the same heap ${ms(r.gc.median)}.`,
    );
  }
  const c = results['check-tracked'];
  if (c?.ok) {
    const r = c.result;
    lines.push(`- \`checkLeaks\` passing, tracked: verdict by ${r.counting}; ${r.majorGcsPerCheck.count.median} full GCs per check taking ${ms(r.majorGcsPerCheck.ms.median)} of its ${ms(r.check.median)}.`);
  }
  const u = results['check-untracked'];
  if (u?.ok) {
    const r = u.result;
    lines.push(
      `- \`checkLeaks\` passing, untracked: verdict by ${r.counting}; ${r.majorGcsPerCheck.count.median} full GCs per check (${ms(r.majorGcsPerCheck.ms.median)})` +
        (r.query ? `; one heap query for the class ${ms(r.query.median)} (a check makes two: baseline and census).` : '.'),
    );
  }
  const td = results['overhead-time-debugger'];
  if (t?.ok && td?.ok) {
    const a = t.result;
    const b = td.result;
    lines.push(
      `- Construction of the plain class with trackref's debugger session enabled vs without (separate processes): discarded ${f1(b.discard.plain.median)} vs ${f1(a.discard.plain.median)} ns/obj (${ratio(b.discard.plain.median / a.discard.plain.median)}), kept alive ${f1(b.keep.plain.median)} vs ${f1(a.keep.plain.median)} (${ratio(b.keep.plain.median / a.keep.plain.median)}).`,
    );
  }
  for (const id of ['check-untracked', 'check-untracked-15', 'check-untracked-50', 'check-untracked-200']) {
    const x = results[id];
    if (!x?.ok || x.result.coldRatio === undefined) continue;
    const r = x.result;
    lines.push(
      `- ${id}: ${r.warmSession} of ${r.reps} timed checks found the hooks' debugger session still enabled by the check before; a check from cold (session closed first: the first check in a process, or after a second without checks) ${ms(r.coldCheck.median)} = ${ratio(r.coldRatio.median)} one gc() (spread ${spreadOf(r.coldRatio, ratio)}).`,
    );
  }
  const l = results['check-leaking'];
  if (l?.ok) {
    const r = l.result;
    lines.push(
      `- \`checkLeaks\` failing: ${r.majorGcsPerCheck.count.median} full GCs per check (${ms(r.majorGcsPerCheck.ms.median)})` +
        (r.query ? `; one heap query for ObjectRef ${ms(r.query.median)}` : '') +
        (r.snapshot ? `; a V8 heap snapshot of this heap alone ${ms(r.snapshot.raw.ms)} (${r.snapshot.raw.mb.toFixed(0)} MB of JSON)` + (r.snapshot.trackref !== undefined ? `, trackref's snapshot + parse ${ms(r.snapshot.trackref)}` : '') : '') +
        '.',
    );
  }
  return lines;
}

function markdown(rows, results, meta) {
  const cell = (v) => String(v).replace(/\|/g, '\\|');
  const header = ['benchmark', 'trackref', 'baseline', 'ratio', 'target', 'met?', 'Scrapy (ref.)', 'spread (min–max)'];
  const out = [];
  out.push(`Measured ${meta.date} on Node ${meta.node} (${os.platform()} ${os.arch()}, ${meta.cpus}), \`node bench/run.mjs${quick ? ' --quick' : full ? ' --full' : ''}\`; medians, each scenario in its own process.`);
  out.push('');
  out.push(`| ${header.join(' | ')} |`);
  out.push(`|${header.map((_, i) => (i === 0 ? ' --- ' : i <= 3 || i === 6 ? ' ---: ' : ' :---: ')).join('|')}|`);
  rows.forEach((r, i) => {
    const met = r.met === true ? 'yes' : r.met === false ? '**no**' : '—';
    out.push(`| ${cell(r.name)}<sup>${i + 1}</sup> | ${cell(r.trackref)} | ${cell(r.baseline)} | ${cell(r.ratio)} | ${cell(r.target)} | ${met} | ${cell(r.ref)} | ${cell(r.spread)} |`);
  });
  out.push('');
  rows.forEach((r, i) => out.push(`${i + 1}. ${r.note}`));
  const details = breakdown(results);
  if (details.length > 0) {
    out.push('', 'Where the time goes:', '', ...details);
  }
  out.push('', 'Scrapy figures are the ones quoted in the project issue (Python trackref), not measured here.');
  return out.join('\n');
}

/** The page that holds the benchmark block (README.md links to it). */
const PERFORMANCE_PAGE = 'docs/performance.md';

function updateDocs(block) {
  const page = join(root, PERFORMANCE_PAGE);
  const START = '<!-- bench:start -->';
  const END = '<!-- bench:end -->';
  if (!existsSync(page)) {
    console.log(`\nNote: ${PERFORMANCE_PAGE} does not exist; not written. Add ${START} and ${END} to it to receive this block.`);
    return;
  }
  const text = readFileSync(page, 'utf8');
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start === -1 || end === -1 || end < start) {
    console.log(`\nNote: ${PERFORMANCE_PAGE} has no ${START} … ${END} block; not edited. Add the two markers where the figures should go.`);
    return;
  }
  writeFileSync(page, `${text.slice(0, start + START.length)}\n${block}\n${text.slice(end)}`);
  console.log(`\n${PERFORMANCE_PAGE} benchmark block updated.`);
}

/** Waits (up to a minute) until dist/ exists again and has not changed for two seconds. */
async function distSettled() {
  const entry = join(root, 'dist', 'esm', 'src', 'index.mjs');
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  for (let waited = 0; waited < 60_000; waited += 1000) {
    if (existsSync(entry) && Date.now() - statSync(entry).mtimeMs > 2000) return true;
    await sleep(1000);
  }
  return false;
}

const EXTRA_BENCHES = [
  ['Per-test leak guard: 200 small tests', 'bench/guard.mjs'],
  ['Failing checks on large heaps: time to the report with retainer paths', 'bench/snapshot.mjs'],
  ['trackref does not leak itself: a million tracked objects, thousands of checks', 'bench/self-leak.mjs'],
];

async function main() {
  if (!existsSync(join(root, 'dist', 'cjs', 'src', 'index.js'))) {
    console.error('dist/ is missing: run `npm run bench` (builds first) or `node scripts/build.mjs`.');
    process.exit(2);
  }
  const results = {};
  const started = Date.now();
  for (const scenario of SCENARIOS) {
    process.stderr.write(`bench: ${scenario.id}${quick ? ' (quick)' : ''} … `);
    let outcome = await runChild(scenario);
    if (!outcome.ok && /ERR_MODULE_NOT_FOUND|Cannot find module .*dist/.test(outcome.error) && (await distSettled())) {
      // dist/ was being rebuilt (e.g. by a test run) while the scenario started: try once more.
      process.stderr.write('dist/ was being rebuilt; retrying … ');
      outcome = await runChild(scenario);
    }
    results[scenario.id] = outcome;
    process.stderr.write(outcome.ok ? `${outcome.seconds.toFixed(1)} s\n` : `FAILED after ${outcome.seconds.toFixed(1)} s\n${outcome.error}\n`);
  }
  const cpuList = os.cpus();
  const meta = {
    node: Object.values(results).find((r) => r.ok)?.result.node ?? process.version,
    date: new Date().toISOString().slice(0, 10),
    cpus: `${cpuList.length} × ${(cpuList[0]?.model ?? 'unknown CPU').replace(/\s+/g, ' ').trim()}`,
  };
  const rows = buildRows(results);
  let block = markdown(rows, results, meta);
  // The guard (issue: per-test guard) and heap-snapshot (retainer paths) benchmarks run their own
  // processes and print their own Markdown tables; they are appended to the same block.
  // They take minutes at full size (the snapshot one builds ~200 MB and ~1 GB heaps), so they run
  // their quick sizes unless --full is given.
  const extraQuick = quick || !full;
  for (const [title, script] of EXTRA_BENCHES) {
    process.stderr.write(`bench: ${script}${extraQuick ? ' --quick' : ''} … `);
    const t0 = Date.now();
    const child = spawnSync(process.execPath, [join(root, script), ...(extraQuick ? ['--quick'] : [])], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const text = (child.stdout ?? '').split('\n').filter((line) => !line.startsWith('BENCH_RESULT')).join('\n').trim();
    process.stderr.write(child.status === 0 ? `${((Date.now() - t0) / 1000).toFixed(0)} s\n` : `FAILED (exit ${child.status})\n${child.stderr}\n`);
    if (child.status !== 0) results[script] = { ok: false, error: child.stderr };
    block += `\n\n### ${title}${extraQuick ? ' (quick run: `node bench/run.mjs --full` for all sizes)' : ''}\n\n${child.status === 0 ? text : `failed: ${(child.stderr ?? '').trim().split('\n').slice(-3).join(' ')}`}`;
  }
  console.log(block);
  console.error(`\nbench: total ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (printJson) {
    console.log(`\n${JSON.stringify(Object.fromEntries(Object.entries(results).map(([k, v]) => [k, v.ok ? v.result : { error: v.error }])), null, 1)}`);
  }
  if (writeDocs) updateDocs(block);
  const failures = Object.entries(results).filter(([, v]) => !v.ok);
  if (failures.length > 0) {
    console.error(`\nbench: ${failures.length} scenario(s) failed: ${failures.map(([k]) => k).join(', ')}`);
    process.exitCode = 1;
  }
}

await main();
