#!/usr/bin/env node
// Benchmark of the per-test leak guard: wall time of a generated suite of 200 small tests (20 files
// of 10 tests; each test builds a few tracked Request/Response objects, as a spider test would, and
// lets them go), run by real Jest and Vitest processes:
//   unguarded              trackref loaded (setup file), no guard
//   guard (each-test)      the guard, judging every test when it ends (the default)
//   guard (end-of-file)    the guard with check: 'end-of-file' (one collection per test file)
//   jest --detectLeaks     Jest's own leak detection on the unguarded config (Jest only)
// Every configuration runs once to warm caches, then `--reps` times, interleaved in rotating order;
// the table shows medians (and min–max), the ratio to the unguarded median, and the guard's added
// cost per test. Targets (issue 18, minor-first guard): each-test ≤ 1.3x unguarded under Jest and
// ≤ 1.1x under Vitest; end-of-file within the same bounds; every guard faster than --detectLeaks.
//
// With --stats, each guarded 'each-test' configuration also runs once more (untimed) with the test
// files writing the guard's own counters and timers (how many tests the scavenge settled, how many
// took the full collection, milliseconds in each path, summed over the workers).
// With --core, instead: the guard's core in this process (no runner), on a heap of --heap-mb MB of
// live objects, --tests clean tests of --objects tracked objects each, judged minor-first and by
// today's full-collection path (births counted by a FinalizationRegistry), interleaved in blocks.
//
// Usage:  node bench/guard.mjs [--quick] [--reps=N] [--runner=jest|vitest|both] [--stats] [--no-detect-leaks] [--json]
//         node bench/guard.mjs --core [--tests=1000] [--objects=50] [--heap-mb=60]
//   prints a Markdown table; with --json, a JSON result. For bench/run.mjs (scenario protocol), it
//   also prints one `BENCH_RESULT {...}` line. From code:
//     import { runGuardBench, markdownTable } from './guard.mjs';
//     const result = await runGuardBench({ reps: 5, runners: ['jest', 'vitest'] });
//     console.log(markdownTable(result));
// Needs a built dist/ (npm run build). Benchmarks are not tests: a missed target is reported, a
// configuration whose tests fail is reported as an error.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const jestEntry = join(root, 'node_modules', 'jest', 'bin', 'jest.js');
const vitestEntry = join(root, 'node_modules', 'vitest', 'vitest.mjs');

const FILES = 20;
const TESTS_PER_FILE = 10;
const WORKERS = 2;
const RUN_LIMIT_MS = 300_000;
/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on Linux). */
const CLOCK_TICKS = 100;
/** The most a guarded run may take, as a multiple of the unguarded run of the same runner. */
const TARGET_RATIO = { jest: 1.3, vitest: 1.1 };

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** One small test file: a tiny "crawl" that builds tracked objects and asserts on them. */
function testFile(index, esm) {
  const header = esm
    ? "import { appendFileSync } from 'node:fs';\nimport { ObjectRef } from 'trackref';\nimport { afterAll, describe, expect, test } from 'vitest';\n"
    : "const { ObjectRef } = require('trackref');\n";
  return `${header}
class Request extends ObjectRef {
  constructor(url) {
    super();
    this.url = url;
    this.headers = { accept: 'text/html' };
  }
}
class Response extends ObjectRef {
  constructor(request, body) {
    super();
    this.request = request;
    this.body = body;
  }
}
function fetchPage(url) {
  return new Response(new Request(url), '<html><a href="/next">' + url + '</a></html>');
}
function crawl(start, pages) {
  const seen = [];
  for (let i = 0; i < pages; i++) seen.push(fetchPage(start + '/' + i));
  return seen.map((page) => page.body.length).reduce((a, b) => a + b, 0);
}

describe('file ${index}', () => {
  for (let i = 0; i < ${TESTS_PER_FILE}; i++) {
    test('crawls ' + i, () => {
      expect(crawl('http://example.com/${index}/' + i, 5)).toBeGreaterThan(0);
    });
  }
  // --stats runs only: the guard's counters for this file's tests (judged before afterAll with 'each-test').
  afterAll(() => {
    const out = process.env.TRACKREF_BENCH_STATS;
    const stats = globalThis[Symbol.for('trackref.guard')]?.stats;
    if (out && stats) ${esm ? 'appendFileSync' : "require('node:fs').appendFileSync"}(out, JSON.stringify(stats) + '\\n');
  });
});
`;
}

/** Copies the build; waits while dist/ is incomplete (someone rebuilding it) — up to a minute. */
function copyBuild(installed) {
  const needed = ['dist/cjs/src/index.js', 'dist/cjs/src/guard.js', 'dist/cjs/jest/index.js', 'dist/cjs/jest/environment.js', 'dist/esm/vitest/index.mjs', 'dist/esm/src/index.mjs'];
  for (let attempt = 0; attempt < 30; attempt++) {
    rmSync(installed, { recursive: true, force: true });
    mkdirSync(installed, { recursive: true });
    try {
      for (const entry of ['package.json', 'dist', 'bin']) cpSync(join(root, entry), join(installed, entry), { recursive: true });
      if (needed.every((file) => existsSync(join(installed, file)))) return;
    } catch {
      // dist/ changed while it was copied: try again.
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2000);
  }
  throw new Error('dist/ is incomplete: run `npm run build` first.');
}

function writeSuite(dir) {
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'trackref-guard-bench', private: true }));
  // trackref installed as a copy of the build (as from the registry), so a rebuild of dist/ while the
  // benchmark runs cannot disturb it; the runners' packages are linked from the repository.
  const installed = join(dir, 'node_modules', 'trackref');
  mkdirSync(installed, { recursive: true });
  copyBuild(installed);
  for (const dep of ['jest-environment-node', '@jest/globals']) {
    mkdirSync(dirname(join(dir, 'node_modules', dep)), { recursive: true });
    symlinkSync(join(root, 'node_modules', dep), join(dir, 'node_modules', dep), 'dir');
  }
  mkdirSync(join(dir, 'jest'));
  mkdirSync(join(dir, 'vitest'));
  for (let i = 1; i <= FILES; i++) {
    writeFileSync(join(dir, 'jest', `s${i}.test.js`), testFile(i, false));
    writeFileSync(join(dir, 'vitest', `s${i}.test.mjs`), testFile(i, true));
  }
  const jestBase = "rootDir: __dirname, roots: ['<rootDir>/jest'], testMatch: ['**/*.test.js']";
  writeFileSync(join(dir, 'jest.unguarded.cjs'), `module.exports = { ${jestBase}, testEnvironment: 'node', setupFilesAfterEnv: ['trackref/jest'] };\n`);
  for (const check of ['each-test', 'end-of-file']) {
    writeFileSync(
      join(dir, `jest.${check}.cjs`),
      `module.exports = { ${jestBase}, testEnvironment: 'trackref/jest/environment', testEnvironmentOptions: { trackref: { guard: true, check: '${check}' } }, setupFilesAfterEnv: ['trackref/jest'] };\n`,
    );
    writeFileSync(join(dir, `vitest.${check}.setup.mjs`), `import { guardLeaks } from 'trackref/vitest';\nguardLeaks({ check: '${check}' });\n`);
  }
  const vitestConfig = (setupFiles) =>
    `import { defineConfig } from 'vitest/config';\nexport default defineConfig({ cacheDir: 'node_modules/.vite', test: { include: ['vitest/*.test.mjs'], setupFiles: ${JSON.stringify(setupFiles)} } });\n`;
  writeFileSync(join(dir, 'vitest.unguarded.mjs'), vitestConfig(['trackref/vitest']));
  for (const check of ['each-test', 'end-of-file']) writeFileSync(join(dir, `vitest.${check}.mjs`), vitestConfig(['trackref/vitest', `./vitest.${check}.setup.mjs`]));
  // Vitest resolves 'vitest' from the suite's directory.
  symlinkSync(join(root, 'node_modules', 'vitest'), join(dir, 'node_modules', 'vitest'), 'dir');
}

function configurations(dir, runners, detectLeaks = true) {
  const configs = [];
  const jest = (name, config, extra = []) => ({
    runner: 'jest',
    name,
    args: [jestEntry, '-c', join(dir, config), '--ci', '--silent', `--maxWorkers=${WORKERS}`, `--cacheDirectory=${join(dir, '.jest-cache')}`, ...extra],
  });
  const vitest = (name, config) => ({
    runner: 'vitest',
    name,
    args: [vitestEntry, 'run', '--config', join(dir, config), `--maxWorkers=${WORKERS}`, '--reporter=dot'],
  });
  if (runners.includes('jest')) {
    configs.push(jest('unguarded', 'jest.unguarded.cjs'), jest('guard (each-test)', 'jest.each-test.cjs'), jest('guard (end-of-file)', 'jest.end-of-file.cjs'));
    if (detectLeaks) configs.push(jest('jest --detectLeaks', 'jest.unguarded.cjs', ['--detectLeaks']));
  }
  if (runners.includes('vitest')) {
    configs.push(vitest('unguarded', 'vitest.unguarded.mjs'), vitest('guard (each-test)', 'vitest.each-test.mjs'), vitest('guard (end-of-file)', 'vitest.end-of-file.mjs'));
  }
  return configs;
}

function childEnv() {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(VITEST|JEST_WORKER_ID$|NODE_OPTIONS$|TRACKREF_)/.test(key)) continue;
    env[key] = value;
  }
  return { ...env, CI: 'true', FORCE_COLOR: '0', NO_COLOR: '1' };
}

/**
 * Starts the runner from a small Node wrapper that times it from spawn to exit and, on Linux, reads
 * the CPU time (user + system) of the runner and every process it waited for (its workers) from
 * /proc/self/stat (cutime + cstime), once the runner has exited: CPU time is much less disturbed
 * than wall time when other work shares the machine.
 */
const WRAPPER = `
const { spawn } = require('node:child_process');
const { readFileSync } = require('node:fs');
const started = process.hrtime.bigint();
const child = spawn(process.execPath, JSON.parse(process.argv[1]), { stdio: 'inherit' });
child.on('exit', (code, signal) => {
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  let cpuMs = null;
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    // After the state field (index 0): cutime and cstime are fields 16 and 17 of stat(5), in clock ticks.
    cpuMs = (Number(fields[13]) + Number(fields[14])) * (1000 / ${CLOCK_TICKS});
  } catch {}
  process.stderr.write('\\nBENCH_RUN ' + JSON.stringify({ wallMs, cpuMs }) + '\\n');
  process.exitCode = code ?? 1;
});
`;

/** Runs one configuration once; resolves to its wall time and CPU time in ms, and whether its tests passed. */
function runOnce(config, cwd, extraEnv = {}) {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['-e', WRAPPER, JSON.stringify(config.args)], { cwd, env: { ...childEnv(), ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = output.split('\n').find((l) => l.startsWith('BENCH_RUN '));
      const measured = line === undefined ? { wallMs: performance.now() - started, cpuMs: null } : JSON.parse(line.slice('BENCH_RUN '.length));
      // --detectLeaks fails the run when it suspects a leak; the tests themselves still passed.
      const leaksDetected = /leaking memory|LEAKED/i.test(output);
      resolve({ ms: measured.wallMs, cpuMs: measured.cpuMs, code, signal, leaksDetected, tail: output.split('\n').slice(-12).join('\n') });
    });
  });
}

/**
 * Runs the benchmark. `reps`: timed runs per configuration (after one warm-up run each);
 * `runners`: 'jest' and/or 'vitest'. Resolves to per-configuration timings.
 */
export async function runGuardBench({ reps = 5, runners = ['jest', 'vitest'], stats = false, detectLeaks = true, log = () => {} } = {}) {
  const dir = mkdtempSync(join(os.tmpdir(), 'trackref-guard-bench-'));
  try {
    writeSuite(dir);
    const configs = configurations(dir, runners, detectLeaks);
    const samples = new Map(configs.map((c) => [c, []]));
    const cpuSamples = new Map(configs.map((c) => [c, []]));
    const problems = new Map();
    for (const config of configs) {
      const warm = await runOnce(config, dir);
      log(`warm-up ${config.runner} ${config.name}: ${(warm.ms / 1000).toFixed(2)} s (exit ${warm.code})`);
      if (warm.code !== 0 && !warm.leaksDetected) problems.set(config, `exit ${warm.code ?? warm.signal}\n${warm.tail}`);
      if (warm.leaksDetected) problems.set(config, 'Jest reported the suite as leaking memory (a false positive: every test passes and nothing is kept)');
    }
    for (let rep = 0; rep < reps; rep++) {
      // Rotate the order so slow drift of the machine does not favour one configuration.
      for (let k = 0; k < configs.length; k++) {
        const config = configs[(rep + k) % configs.length];
        const run = await runOnce(config, dir);
        if (run.code !== 0 && !run.leaksDetected) {
          problems.set(config, `a run failed (exit ${run.code ?? run.signal}); its time is left out\n${run.tail}`);
          log(`rep ${rep + 1}/${reps} ${config.runner} ${config.name}: failed, left out`);
          continue;
        }
        samples.get(config).push(run.ms);
        if (run.cpuMs !== null) cpuSamples.get(config).push(run.cpuMs);
        log(`rep ${rep + 1}/${reps} ${config.runner} ${config.name}: ${(run.ms / 1000).toFixed(2)} s (CPU ${run.cpuMs === null ? '?' : (run.cpuMs / 1000).toFixed(2)} s)`);
      }
    }
    const guardStats = {};
    if (stats) {
      for (const config of configs.filter((c) => c.name === 'guard (each-test)')) {
        const file = join(dir, `stats-${config.runner}.jsonl`);
        const run = await runOnce(config, dir, { TRACKREF_BENCH_STATS: file });
        guardStats[config.runner] = sumStats(existsSync(file) ? readFileSync(file, 'utf8') : '', run);
        log(`stats ${config.runner} ${config.name}: ${JSON.stringify(guardStats[config.runner])}`);
      }
    }
    const results = configs.map((config) => {
      const values = samples.get(config);
      const cpu = cpuSamples.get(config);
      return {
        runner: config.runner,
        name: config.name,
        medianMs: median(values),
        minMs: Math.min(...values),
        maxMs: Math.max(...values),
        samplesMs: values,
        cpu: cpu.length === 0 ? null : { medianMs: median(cpu), minMs: Math.min(...cpu), maxMs: Math.max(...cpu), samplesMs: cpu },
        note: problems.get(config) ?? null,
      };
    });
    return {
      suite: { files: FILES, testsPerFile: TESTS_PER_FILE, tests: FILES * TESTS_PER_FILE, workers: WORKERS },
      node: process.version,
      cpus: os.cpus().length,
      loadAverage: os.loadavg(),
      reps,
      results,
      ...(stats ? { guardStats } : {}),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Sums the per-file counters the test files wrote (one JSON line per file). */
function sumStats(text, run) {
  const sum = { files: 0, exit: run.code };
  for (const line of text.split('\n').filter(Boolean)) {
    sum.files++;
    for (const [key, value] of Object.entries(JSON.parse(line))) sum[key] = (sum[key] ?? 0) + value;
  }
  return sum;
}

/** The --stats counters as Markdown lines. */
export function statsLines(result) {
  const lines = [];
  for (const [runner, s] of Object.entries(result.guardStats ?? {})) {
    const per = (ms, n) => (n > 0 ? `${(ms / n).toFixed(2)} ms` : '—');
    lines.push(
      `- ${runner}, each-test (one untimed run, summed over ${s.files} files): ${s.checked} tests checked; ${s.scavenge} settled by the scavenge, ` +
        `${s.noCollection} with no collection, ${s.fullCollection} by a full collection; the minor path took ${per(s.minorPathMs, s.scavenges)} per test ` +
        `(of which the scavenge ${per(s.scavengeMs, s.scavenges)}), the full path ${per(s.fullPathMs, s.fullCollection)} per test that took it.`,
    );
  }
  return lines;
}

/** The result as a Markdown table: one row per runner and configuration. */
export function markdownTable(result) {
  const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
  const lines = [
    `Guard benchmark: ${result.suite.tests} small tests (${result.suite.files} files × ${result.suite.testsPerFile}), ${result.suite.workers} workers, Node ${result.node}, ${result.cpus} CPUs (load average ${result.loadAverage.map((x) => x.toFixed(1)).join(' / ')} at the start), median of ${result.reps} runs (min–max); CPU = user + system time of the runner and its workers.`,
    '',
    '| runner | configuration | wall time | vs unguarded | added per test | CPU time | CPU vs unguarded | target (wall time) |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const runner of ['jest', 'vitest']) {
    const rows = result.results.filter((r) => r.runner === runner);
    const base = rows.find((r) => r.name === 'unguarded');
    const detect = rows.find((r) => r.name === 'jest --detectLeaks');
    for (const row of rows) {
      const ratio = base ? row.medianMs / base.medianMs : NaN;
      const perTest = base ? (row.medianMs - base.medianMs) / result.suite.tests : NaN;
      const cpuRatio = base?.cpu && row.cpu ? row.cpu.medianMs / base.cpu.medianMs : NaN;
      let target = '';
      if (row.name.startsWith('guard')) {
        const limit = TARGET_RATIO[runner];
        const checks = [`≤ ${limit}x: ${ratio <= limit ? 'met' : 'missed'}`];
        if (detect) checks.push(`faster than --detectLeaks: ${row.medianMs < detect.medianMs ? 'met' : 'missed'}`);
        target = checks.join('; ');
      }
      const cpu = row.cpu ? `${s(row.cpu.medianMs)} (${s(row.cpu.minMs)}–${s(row.cpu.maxMs)})` : '—';
      lines.push(
        `| ${runner} | ${row.name} | ${s(row.medianMs)} (${s(row.minMs)}–${s(row.maxMs)}) | ${row === base ? '1.00x' : `${ratio.toFixed(2)}x`} | ${row === base ? '' : `${perTest.toFixed(1)} ms`} | ${cpu} | ${row === base ? '1.00x' : Number.isNaN(cpuRatio) ? '—' : `${cpuRatio.toFixed(2)}x`} | ${target}${row.note ? ` ${row.note.split('\n')[0]}` : ''} |`,
      );
    }
  }
  return lines.join('\n');
}

/**
 * The guard's core in this process: `tests` clean tests of `objects` tracked objects each (built and
 * dropped inside the test), on a heap of `heapMb` MB of live objects, judged minor-first and by the
 * full-collection path (births counted by a FinalizationRegistry, as the guard did before), in
 * interleaved blocks of 50 tests. Also one bare full collection and one bare
 * scavenge of that heap, for scale. Times are per test, medians over blocks.
 */
export async function runCoreBench({ tests = 1000, objects = 50, heapMb = 60, log = () => {} } = {}) {
  const require = createRequire(import.meta.url);
  const dist = join(root, 'dist', 'cjs', 'src');
  const { ObjectRef } = require(join(dist, 'index.js'));
  const { LeakGuard, guardStats } = require(join(dist, 'guard.js'));
  const { gcFunction, collectYoung } = require(join(dist, 'gc.js'));
  class Page extends ObjectRef {
    constructor(url) {
      super();
      this.url = url;
      this.headers = { accept: 'text/html' };
    }
  }
  // Ballast: about heapMb MB of live objects, like a test runner's worker heap.
  const ballast = [];
  while (process.memoryUsage().heapUsed < heapMb * 1024 * 1024) {
    const chunk = [];
    for (let i = 0; i < 10_000; i++) chunk.push({ i, s: `ballast ${i}` });
    ballast.push(chunk);
  }
  const gc = gcFunction();
  gc();
  const heapUsedMb = process.memoryUsage().heapUsed / 1024 / 1024;
  const bare = { full: [], minor: [] };
  for (let i = 0; i < 11; i++) {
    let t = performance.now();
    gc();
    bare.full.push(performance.now() - t);
    t = performance.now();
    collectYoung();
    bare.minor.push(performance.now() - t);
  }
  const make = (tag) => {
    const seen = [];
    for (let i = 0; i < objects; i++) seen.push(new Page(`http://example.com/${tag}/${i}`));
    return seen.length;
  };
  const modes = [
    { name: 'unguarded (the same tests, no guard)', guard: undefined, perTest: [] },
    { name: 'minor-first', guard: new LeakGuard(), perTest: [] },
    { name: 'full collection (before)', guard: new LeakGuard(undefined, { youngFirst: false }), perTest: [] },
  ];
  const counters = () => ({ ...guardStats() });
  const block = 50;
  const blocks = Math.max(1, Math.round(tests / block));
  const deltas = new Map(modes.map((mode) => [mode, {}]));
  for (let b = 0; b < blocks; b++) {
    // Rotate the order so slow drift of the machine does not favour one mode.
    for (const mode of modes.map((_, k) => modes[(b + k) % modes.length])) {
      const before = counters();
      const started = performance.now();
      for (let t = 0; t < block; t++) {
        if (mode.guard === undefined) {
          make(`${b}/${t}`);
          // The guard's own wait, so that only the guard's work differs.
          await new Promise((resolve) => setImmediate(resolve));
          continue;
        }
        const window = mode.guard.begin({ name: `test ${b}.${t}`, file: 'core' });
        make(`${b}/${t}`);
        const error = await mode.guard.end(window, true);
        if (error !== undefined) throw new Error(`${mode.name}: a clean test failed:\n${error.message}`);
      }
      mode.perTest.push((performance.now() - started) / block);
      const after = counters();
      const delta = deltas.get(mode);
      for (const key of Object.keys(after)) delta[key] = (delta[key] ?? 0) + after[key] - before[key];
    }
    if (b % 5 === 4) log(`core: ${(b + 1) * block} tests per mode`);
  }
  const med = (values) => median(values);
  const [, fast, full] = modes;
  return {
    node: process.version,
    heapUsedMb: Math.round(heapUsedMb),
    tests: blocks * block,
    objects,
    bareFullGcMs: med(bare.full),
    bareScavengeMs: med(bare.minor),
    modes: modes.map((mode) => ({ name: mode.name, medianMsPerTest: med(mode.perTest), minMsPerTest: Math.min(...mode.perTest), maxMsPerTest: Math.max(...mode.perTest), blocks: mode.perTest.length, counters: deltas.get(mode) })),
    ratio: med(fast.perTest) / med(full.perTest),
    addedMsPerTest: { minorFirst: med(fast.perTest) - med(modes[0].perTest), full: med(full.perTest) - med(modes[0].perTest) },
    ballastKept: ballast.length > 0,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const value = (name, fallback) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
  const quick = args.includes('--quick');
  const reps = Number(value('reps', quick ? 2 : 5));
  const log = (line) => process.stderr.write(`${line}\n`);
  if (args.includes('--core')) {
    const result = await runCoreBench({ tests: Number(value('tests', quick ? 200 : 1000)), objects: Number(value('objects', 50)), heapMb: Number(value('heap-mb', 60)), log });
    const ms = (x) => `${x.toFixed(3)} ms`;
    console.log(`Guard core, in one process: ${result.tests} clean tests of ${result.objects} tracked objects per mode, heap ${result.heapUsedMb} MB, Node ${result.node}; one full gc() ${ms(result.bareFullGcMs)}, one scavenge ${ms(result.bareScavengeMs)} (medians of 11).\n`);
    console.log('| path | per test (median of blocks of 50) | min–max | settled by scavenge | full collections |');
    console.log('|---|---|---|---|---|');
    for (const mode of result.modes) console.log(`| ${mode.name} | ${ms(mode.medianMsPerTest)} | ${ms(mode.minMsPerTest)}–${ms(mode.maxMsPerTest)} (n=${mode.blocks}) | ${mode.counters.scavenge} | ${mode.counters.fullCollection} |`);
    console.log(`\nminor-first / full collection: ${result.ratio.toFixed(3)}x; added per test over unguarded: minor-first ${ms(result.addedMsPerTest.minorFirst)}, full collection ${ms(result.addedMsPerTest.full)}`);
    process.stdout.write(`\nBENCH_RESULT ${JSON.stringify(result)}\n`);
  } else {
    const runnerArg = value('runner', 'both');
    const runners = runnerArg === 'both' ? ['jest', 'vitest'] : [runnerArg];
    const result = await runGuardBench({ reps, runners, stats: args.includes('--stats'), detectLeaks: !args.includes('--no-detect-leaks'), log });
    if (args.includes('--json')) console.log(JSON.stringify(result, null, 2));
    else console.log([markdownTable(result), ...(result.guardStats ? ['', ...statsLines(result)] : [])].join('\n'));
    process.stdout.write(`\nBENCH_RESULT ${JSON.stringify(result)}\n`);
  }
}
