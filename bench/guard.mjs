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
// cost per test. Target: guard ≤ 1.5x unguarded, and faster than --detectLeaks.
//
// Usage:  node bench/guard.mjs [--quick] [--reps=N] [--runner=jest|vitest|both] [--json]
//   prints a Markdown table; with --json, a JSON result. For bench/run.mjs (scenario protocol), it
//   also prints one `BENCH_RESULT {...}` line. From code:
//     import { runGuardBench, markdownTable } from './guard.mjs';
//     const result = await runGuardBench({ reps: 5, runners: ['jest', 'vitest'] });
//     console.log(markdownTable(result));
// Needs a built dist/ (npm run build). Benchmarks are not tests: a missed target is reported, a
// configuration whose tests fail is reported as an error.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** One small test file: a tiny "crawl" that builds tracked objects and asserts on them. */
function testFile(index, esm) {
  const header = esm
    ? "import { ObjectRef } from 'trackref';\nimport { describe, expect, test } from 'vitest';\n"
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

function configurations(dir, runners) {
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
    configs.push(jest('unguarded', 'jest.unguarded.cjs'), jest('guard (each-test)', 'jest.each-test.cjs'), jest('guard (end-of-file)', 'jest.end-of-file.cjs'), jest('jest --detectLeaks', 'jest.unguarded.cjs', ['--detectLeaks']));
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

/** Runs one configuration once; resolves to its wall time in ms, and whether its tests passed. */
function runOnce(config, cwd) {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, config.args, { cwd, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const ms = performance.now() - started;
      // --detectLeaks fails the run when it suspects a leak; the tests themselves still passed.
      const leaksDetected = /leaking memory|LEAKED/i.test(output);
      resolve({ ms, code, signal, leaksDetected, tail: output.split('\n').slice(-12).join('\n') });
    });
  });
}

/**
 * Runs the benchmark. `reps`: timed runs per configuration (after one warm-up run each);
 * `runners`: 'jest' and/or 'vitest'. Resolves to per-configuration timings.
 */
export async function runGuardBench({ reps = 5, runners = ['jest', 'vitest'], log = () => {} } = {}) {
  const dir = mkdtempSync(join(os.tmpdir(), 'trackref-guard-bench-'));
  try {
    writeSuite(dir);
    const configs = configurations(dir, runners);
    const samples = new Map(configs.map((c) => [c, []]));
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
        log(`rep ${rep + 1}/${reps} ${config.runner} ${config.name}: ${(run.ms / 1000).toFixed(2)} s`);
      }
    }
    const results = configs.map((config) => {
      const values = samples.get(config);
      return {
        runner: config.runner,
        name: config.name,
        medianMs: median(values),
        minMs: Math.min(...values),
        maxMs: Math.max(...values),
        samplesMs: values,
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
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The result as a Markdown table: one row per runner and configuration. */
export function markdownTable(result) {
  const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
  const lines = [
    `Guard benchmark: ${result.suite.tests} small tests (${result.suite.files} files × ${result.suite.testsPerFile}), ${result.suite.workers} workers, Node ${result.node}, ${result.cpus} CPUs, median of ${result.reps} runs (min–max).`,
    '',
    '| runner | configuration | wall time | vs unguarded | added per test | target |',
    '|---|---|---|---|---|---|',
  ];
  for (const runner of ['jest', 'vitest']) {
    const rows = result.results.filter((r) => r.runner === runner);
    const base = rows.find((r) => r.name === 'unguarded');
    const detect = rows.find((r) => r.name === 'jest --detectLeaks');
    for (const row of rows) {
      const ratio = base ? row.medianMs / base.medianMs : NaN;
      const perTest = base ? (row.medianMs - base.medianMs) / result.suite.tests : NaN;
      let target = '';
      if (row.name.startsWith('guard')) {
        const checks = [`≤ 1.5x: ${ratio <= 1.5 ? 'met' : 'missed'}`];
        if (detect) checks.push(`faster than --detectLeaks: ${row.medianMs < detect.medianMs ? 'met' : 'missed'}`);
        target = checks.join('; ');
      }
      lines.push(
        `| ${runner} | ${row.name} | ${s(row.medianMs)} (${s(row.minMs)}–${s(row.maxMs)}) | ${row === base ? '1.00x' : `${ratio.toFixed(2)}x`} | ${row === base ? '' : `${perTest.toFixed(1)} ms`} | ${target}${row.note ? ` ${row.note.split('\n')[0]}` : ''} |`,
      );
    }
  }
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const value = (name, fallback) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
  const quick = args.includes('--quick');
  const reps = Number(value('reps', quick ? 2 : 5));
  const runnerArg = value('runner', 'both');
  const runners = runnerArg === 'both' ? ['jest', 'vitest'] : [runnerArg];
  const result = await runGuardBench({ reps, runners, log: (line) => process.stderr.write(`${line}\n`) });
  if (args.includes('--json')) console.log(JSON.stringify(result, null, 2));
  else console.log(markdownTable(result));
  process.stdout.write(`\nBENCH_RESULT ${JSON.stringify(result)}\n`);
}
