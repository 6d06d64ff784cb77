#!/usr/bin/env node
// The real-world leak corpus (test/realworld/): historical leaks of published npm packages, each
// pinned at the version that leaked and the version that fixed it, installed from the npm registry
// into temporary projects outside the repository and run under real runners with trackref as a
// user installs it (`npm pack` of this repo).
//
//   node scripts/realworld.mjs                          every case, plain Node + Jest + Vitest forks + vmThreads
//   node scripts/realworld.mjs --cases debug-instances,mem-max-age --runners jest,forks
//   node scripts/realworld.mjs --versions leaky --json /tmp/rw.json --verbose
//   node scripts/realworld.mjs --node 24 --runners jest,forks --strict
//
// Options: --cases a,b (folder names under test/realworld/cases), --runners node,jest,forks,threads,
// vmThreads,vmForks (default node,jest,forks,vmThreads; `node` is the case's plain-Node reproduction,
// repro.cjs, with no trackref), --versions leaky,fixed, --json FILE (default: <work>/results.json),
// --work DIR (default: $TRACKREF_REALWORLD_DIR or <os.tmpdir()>/trackref-realworld; installs are
// cached there across runs), --limit-ms N (time limit of each spawned run, default 240000),
// --repack (pack trackref even when dist/ is unchanged), --verbose (print every failure message),
// --node MAJOR (run repro.cjs and the runners on that Node major: this process's Node when it is that
// major, else the node-<os>-<arch> package from the npm registry, cached in .matrix/ as
// scripts/matrix.mjs and corpus.mjs do), --strict (an "unhelpful" report fails the run too),
// --crawler (also run the crawlee project in test/realworld/crawler under the chosen runners, with
// the per-test guard on, judged against its expected.json; `--cases none --crawler` runs only it).
//
// Verdicts, per case x runner x version:
//   leaky version: the test's `not.toLeak` must fail with trackref's leak report   -> "right", else WRONG
//   fixed version: the test must pass                                             -> "right", else WRONG
// and, for a leaky version caught, "unhelpful" notes when the report's first `held by` line does not
// contain the case's culprit text (what the upstream issue names as the holder; case.json may list
// alternatives) or its first `made at` line is not in the test's own file. The plain-Node
// reproduction must report a leak on the leaky version and none on the fixed one (exit 1 / 0).
// Exits 1 when any verdict is WRONG (a hit time limit counts as wrong and is reported as such), or,
// with --strict, when any report is unhelpful; 0 otherwise.
import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeOfMajor } from './registry-tools.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const casesDir = join(repo, 'test', 'realworld', 'cases');
const RUNNERS = ['node', 'jest', 'forks', 'threads', 'vmThreads', 'vmForks'];
const DEFAULT_RUNNERS = ['node', 'jest', 'forks', 'vmThreads'];
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

/** The Node that runs repro.cjs and the runners (--node MAJOR), and its version. */
const nodeRun = { exe: process.execPath, version: process.version };

// ---------------------------------------------------------------------------------------------
// Processes

const running = new Set();
process.once('exit', () => {
  for (const child of running) killGroup(child);
});

function killGroup(child) {
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    try {
      child.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

/** The environment of a spawned run: no runner variables, no NODE_OPTIONS, no colour, CI. */
function childEnv(extra = {}) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(VITEST|JEST_WORKER_ID$|NODE_OPTIONS$|TEST$|NODE_ENV$|FORCE_COLOR$|NO_COLOR$|TRACKREF)/.test(key)) continue;
    if (/^npm_(package_|lifecycle_|command$|execpath$|node_execpath$)/i.test(key)) continue;
    env[key] = value;
  }
  const path = `${dirname(nodeRun.exe)}${process.platform === 'win32' ? ';' : ':'}${env.PATH ?? ''}`;
  return { ...env, PATH: path, CI: 'true', FORCE_COLOR: '0', NO_COLOR: '1', ...extra };
}

/** Runs a command in its own process group with a time limit; never rejects. */
function run(command, args, { cwd, limitMs, env = childEnv() }) {
  return new Promise((resolve) => {
    const started = Date.now();
    let child;
    try {
      child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    } catch (error) {
      resolve({ code: -1, signal: null, output: String(error), seconds: 0, timedOut: false });
      return;
    }
    running.add(child);
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk) => (output += chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, limitMs);
    child.on('error', (error) => (output += `\n[realworld] ${error.message}`));
    child.on('close', (code, signal) => {
      running.delete(child);
      clearTimeout(timer);
      resolve({ code: code ?? -1, signal, output, seconds: (Date.now() - started) / 1000, timedOut });
    });
  });
}

async function mustRun(what, command, args, options) {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new Error(`${what} failed (${result.timedOut ? `time limit of ${options.limitMs} ms hit` : `exit ${result.code}`}):\n${result.output.slice(-4000)}`);
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Cases

/** Reads and checks every case's case.json. */
export function loadCases(names) {
  const all = readdirSync(casesDir).filter((name) => existsSync(join(casesDir, name, 'case.json'))).sort();
  const chosen = names === undefined ? all : names.length === 1 && names[0] === 'none' ? [] : names;
  return chosen.map((name) => {
    if (!all.includes(name)) throw new Error(`No case ${JSON.stringify(name)} in ${relative(repo, casesDir)}; cases: ${all.join(', ')}`);
    const dir = join(casesDir, name);
    const spec = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8'));
    for (const key of ['package', 'leaky', 'fixed', 'issue', 'shape', 'culprit', 'test']) {
      if (spec[key] === undefined) throw new Error(`${name}/case.json lacks "${key}"`);
    }
    if (!existsSync(join(dir, spec.test))) throw new Error(`${name}/case.json names test ${spec.test}, which does not exist`);
    if (!existsSync(join(dir, 'repro.cjs'))) throw new Error(`${name} has no repro.cjs (the plain-Node reproduction)`);
    return { name, dir, ...spec };
  });
}

// ---------------------------------------------------------------------------------------------
// Installs (cached in the work directory)

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function digestOf(paths) {
  const hash = createHash('sha256');
  const walk = (path) => {
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path).sort()) walk(join(path, entry));
    } else {
      hash.update(relative(repo, path));
      hash.update(readFileSync(path));
    }
  };
  for (const path of paths) if (existsSync(path)) walk(path);
  return hash.digest('hex').slice(0, 12);
}

/**
 * The shared root of the temporary projects: node_modules with the packed trackref, Jest and
 * Vitest (the versions this repo uses). Case projects live below it, so Node, Jest and Vitest
 * resolve the runners and trackref from here and the pinned package from the case project.
 */
async function prepareRoot(work, { repack, limitMs }) {
  mkdirSync(work, { recursive: true });
  const packDir = join(work, 'pack');
  mkdirSync(packDir, { recursive: true });
  // Build, then pack (npm pack runs `prepare`, which builds again: cheap, and keeps dist/ current).
  const sourceDigest = digestOf(['src', 'jest', 'vitest', 'bin', 'package.json', 'scripts/build.mjs'].map((p) => join(repo, p)));
  const stampFile = join(packDir, 'source-digest');
  let tarball = readdirSync(packDir).find((name) => name.endsWith('.tgz'));
  if (repack || tarball === undefined || !existsSync(stampFile) || readFileSync(stampFile, 'utf8') !== sourceDigest) {
    for (const old of readdirSync(packDir)) rmSync(join(packDir, old), { force: true });
    const packed = await mustRun('npm pack of trackref', npm, ['pack', '--pack-destination', packDir, '--silent'], { cwd: repo, limitMs, env: childEnv() });
    tarball = packed.output.trim().split('\n').pop().trim();
    writeFileSync(stampFile, sourceDigest);
    console.log(`packed trackref (sources ${sourceDigest}) in ${packed.seconds.toFixed(1)} s: ${tarball}`);
  }
  const tarballPath = join(packDir, tarball);
  const tarballDigest = createHash('sha256').update(readFileSync(tarballPath)).digest('hex').slice(0, 12);
  const root = join(work, 'root');
  mkdirSync(root, { recursive: true });
  const versions = (name) => JSON.parse(readFileSync(join(repo, 'node_modules', name, 'package.json'), 'utf8')).version;
  const manifest = {
    name: 'trackref-realworld-root',
    private: true,
    description: 'Runners and trackref for scripts/realworld.mjs (generated)',
    dependencies: { trackref: `file:${tarballPath}`, jest: versions('jest'), vitest: versions('vitest') },
  };
  const stamp = `${JSON.stringify(manifest)}\n${tarballDigest}`;
  const rootStamp = join(root, '.installed');
  if (!existsSync(rootStamp) || readFileSync(rootStamp, 'utf8') !== stamp) {
    writeFileSync(join(root, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    rmSync(join(root, 'node_modules', 'trackref'), { recursive: true, force: true });
    rmSync(join(root, 'package-lock.json'), { force: true });
    const installed = await mustRun('npm install of the runners', npm, ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: root, limitMs: Math.max(limitMs, 15 * 60_000) });
    writeFileSync(rootStamp, stamp);
    console.log(`installed trackref ${tarballDigest}, jest ${manifest.dependencies.jest}, vitest ${manifest.dependencies.vitest} in ${installed.seconds.toFixed(1)} s`);
  }
  return { root, tarballDigest, jest: manifest.dependencies.jest, vitest: manifest.dependencies.vitest };
}

/** A case project for one version: the pinned package (and the case's extra dependencies), the case's files, runner configs. */
async function prepareProject(root, testCase, which, limitMs) {
  const version = testCase[which];
  const dir = join(root, 'p', `${testCase.name}@${which}`);
  mkdirSync(dir, { recursive: true });
  const manifest = {
    name: `realworld-${testCase.name}-${which}`,
    private: true,
    dependencies: { [testCase.package]: version, ...(testCase.dependencies ?? {}) },
  };
  const stamp = JSON.stringify(manifest);
  const stampFile = join(dir, '.installed');
  if (!existsSync(stampFile) || readFileSync(stampFile, 'utf8') !== stamp) {
    writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    rmSync(join(dir, 'package-lock.json'), { force: true });
    rmSync(join(dir, 'node_modules'), { recursive: true, force: true });
    await mustRun(`npm install ${testCase.package}@${version}`, npm, ['install', '--no-audit', '--no-fund', '--loglevel=error', '--ignore-scripts'], { cwd: dir, limitMs: Math.max(limitMs, 10 * 60_000) });
    writeFileSync(stampFile, stamp);
  }
  const installedVersion = JSON.parse(readFileSync(join(dir, 'node_modules', ...testCase.package.split('/'), 'package.json'), 'utf8')).version;
  if (installedVersion !== version) throw new Error(`${testCase.name}: installed ${testCase.package}@${installedVersion}, wanted ${version}`);
  // The case's own files, fresh on every run (they are the test as a user writes it).
  for (const file of readdirSync(testCase.dir)) {
    if (file === 'case.json' || file === 'README.md') continue;
    copyFileSync(join(testCase.dir, file), join(dir, file));
  }
  writeFileSync(
    join(dir, 'jest.config.cjs'),
    `// generated by scripts/realworld.mjs\nmodule.exports = {\n  rootDir: __dirname,\n  testEnvironment: 'node',\n  testMatch: ['<rootDir>/${testCase.test}'],\n  setupFilesAfterEnv: ['trackref/jest'],\n  transform: {},\n  testTimeout: 60000,\n};\n`,
  );
  writeFileSync(
    join(dir, 'vitest.config.mjs'),
    `// generated by scripts/realworld.mjs\nimport { defineConfig } from 'vitest/config';\nimport { withTrackref } from 'trackref/vitest/config';\n\nexport default defineConfig(\n  withTrackref({\n    cacheDir: './.vite',\n    test: { globals: true, include: ['${testCase.test}'], testTimeout: 60000 },\n  }),\n);\n`,
  );
  return { dir, version };
}

// ---------------------------------------------------------------------------------------------
// Runs and verdicts

async function runOne(root, project, testCase, which, runner, limitMs) {
  const outputFile = join(project.dir, `.result-${runner}.json`);
  rmSync(outputFile, { force: true });
  if (runner === 'node') {
    const result = await run(nodeRun.exe, ['--expose-gc', 'repro.cjs'], { cwd: project.dir, limitMs });
    const leaked = result.code === 1;
    const expectedLeak = which === 'leaky';
    const ok = !result.timedOut && (result.code === 0 || result.code === 1) && leaked === expectedLeak;
    return {
      status: result.timedOut ? 'time limit' : result.code === 1 ? 'leaked' : result.code === 0 ? 'no leak' : `exit ${result.code}`,
      verdict: ok ? 'right' : 'WRONG',
      why: ok ? undefined : result.timedOut ? `time limit of ${limitMs} ms hit` : `repro.cjs exit ${result.code}, expected ${expectedLeak ? 1 : 0}`,
      heldBy: undefined,
      madeAt: undefined,
      notes: [],
      summary: lastLine(result.output),
      seconds: result.seconds,
      message: result.output,
    };
  }
  const args =
    runner === 'jest'
      ? // --forceExit: a leaky version may leave its leak pending (bluebird's 60 s timer), and Jest
        // waits for the event loop to empty before it exits; Vitest ends its workers itself.
        [join(root, 'node_modules', 'jest', 'bin', 'jest.js'), '--ci', '--forceExit', '--json', `--outputFile=${outputFile}`, `--cacheDirectory=${join(project.dir, '.jest-cache')}`, '--config', 'jest.config.cjs']
      : [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', 'vitest.config.mjs', `--pool=${runner}`, '--reporter=json', `--outputFile=${outputFile}`];
  // An ESM-only package is loaded with import() from the CommonJS test; Jest needs vm modules for that.
  const env = runner === 'jest' && testCase.esm ? childEnv({ NODE_OPTIONS: '--experimental-vm-modules --no-warnings=ExperimentalWarning' }) : childEnv();
  const result = await run(nodeRun.exe, args, { cwd: project.dir, limitMs, env });
  let tests = [];
  try {
    const json = JSON.parse(readFileSync(outputFile, 'utf8'));
    tests = json.testResults.flatMap((file) => file.assertionResults.map((a) => ({ title: a.fullName ?? a.title, status: a.status, message: (a.failureMessages ?? []).join('\n').replace(ANSI, '') })));
  } catch {
    /* judged below */
  }
  return judge(testCase, which, result, tests, limitMs);
}

/** The verdict of one runner's run of a case's test on one version. */
export function judge(testCase, which, result, tests, limitMs) {
  const base = { seconds: result.seconds, heldBy: undefined, madeAt: undefined, notes: [] };
  if (result.timedOut) return { ...base, status: 'time limit', verdict: 'WRONG', why: `time limit of ${limitMs} ms hit`, message: result.output.slice(-3000) };
  if (tests.length === 0) return { ...base, status: 'no result', verdict: 'WRONG', why: `no test result (exit ${result.code})`, message: result.output.slice(-3000) };
  const failed = tests.filter((t) => t.status === 'failed');
  const status = failed.length > 0 ? 'failed' : tests.every((t) => t.status === 'passed') ? 'passed' : tests.map((t) => t.status).join(',');
  const message = failed.map((t) => `● ${t.title}\n${t.message}`).join('\n\n');
  const heldBy = firstMatch(message, /^\s*held by\s+(.*)$/m);
  const madeAt = firstMatch(message, /^\s*made at\s+(.*)$/m);
  if (which === 'fixed') {
    const ok = status === 'passed' && result.code === 0;
    return { ...base, status, verdict: ok ? 'right' : 'WRONG', why: ok ? undefined : `fixed version ${status} (exit ${result.code}): ${firstLines(message || result.output)}`, heldBy, madeAt, message };
  }
  // Leaky: the runner must exit non-zero because `not.toLeak` failed with a leak report.
  const report = failed.find((t) => /toLeak\(/.test(t.message) && /\bleaked\b/.test(t.message));
  if (status !== 'failed' || result.code === 0) return { ...base, status, verdict: 'WRONG', why: `leak not caught (${status}, exit ${result.code})`, message };
  if (report === undefined) return { ...base, status, verdict: 'WRONG', why: `failed without a leak report: ${firstLines(message)}`, heldBy, madeAt, message };
  const notes = [];
  // The culprit must be in the report's first `held by` line (the oldest leaked instance's path): not
  // anywhere in the text ("instances" is in every report), nor only in a later instance's path.
  const reportHeldBy = firstMatch(report.message, /^\s*held by\s+(.*)$/m) ?? '';
  const culprits = culpritsOf(testCase);
  if (!culprits.some((culprit) => reportHeldBy.includes(culprit))) notes.push(`first "held by" line does not name the culprit ${culprits.map((c) => JSON.stringify(c)).join(' or ')}`);
  const reportMadeAt = firstMatch(report.message, /^\s*made at\s+(.*)$/m) ?? '';
  const testFile = testCase.test.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  if (!new RegExp(`^(?:.*/)?${testFile}:\\d+`).test(reportMadeAt)) notes.push(`first "made at" line is not in ${testCase.test}`);
  return { ...base, status, verdict: 'right', heldBy, madeAt, notes, message };
}

/** A case's culprit texts: case.json's `culprit`, a string or a list of alternatives. */
export function culpritsOf(testCase) {
  return Array.isArray(testCase.culprit) ? testCase.culprit : [testCase.culprit];
}

/** The parts of a report that say who holds the leaked objects: `held by` lines and the retainer trace. */
export function heldByText(message) {
  const lines = message.split('\n');
  const picked = [];
  let inTrace = false;
  for (const line of lines) {
    if (/^\s*held by\s/.test(line)) picked.push(line);
    if (/How the oldest is held/.test(line)) inTrace = true;
    else if (inTrace && line.trim() === '') inTrace = false;
    else if (inTrace) picked.push(line);
  }
  return picked.join('\n');
}

function firstMatch(text, regex) {
  return regex.exec(text)?.[1]?.trim();
}

function firstLines(text, count = 8) {
  return text.split('\n').slice(0, count).join('\n');
}

function lastLine(text) {
  const lines = text.trim().split('\n');
  return lines[lines.length - 1] ?? '';
}

// ---------------------------------------------------------------------------------------------
// The crawler project (test/realworld/crawler): crawlee against a local site, guard on

const crawlerDir = join(repo, 'test', 'realworld', 'crawler');

/** Installs the crawler project's pinned crawlee next to the shared root and copies its files in. */
async function prepareCrawler(root, limitMs) {
  const dir = join(root, 'crawler');
  mkdirSync(dir, { recursive: true });
  const manifest = readFileSync(join(crawlerDir, 'package.json'), 'utf8');
  const stampFile = join(dir, '.installed');
  if (!existsSync(stampFile) || readFileSync(stampFile, 'utf8') !== manifest) {
    writeFileSync(join(dir, 'package.json'), manifest);
    rmSync(join(dir, 'package-lock.json'), { force: true });
    rmSync(join(dir, 'node_modules'), { recursive: true, force: true });
    await mustRun('npm install of the crawler project', npm, ['install', '--no-audit', '--no-fund', '--loglevel=error', '--ignore-scripts'], { cwd: dir, limitMs: Math.max(limitMs, 10 * 60_000) });
    writeFileSync(stampFile, manifest);
  }
  for (const file of readdirSync(crawlerDir)) {
    if (file === 'package.json' || file === 'README.md' || file === 'expected.json') continue;
    copyFileSync(join(crawlerDir, file), join(dir, file));
  }
  return dir;
}

/** Runs the crawler project under each runner; one row per test and runner, judged against expected.json. */
async function runCrawler(root, runners, limitMs, verbose) {
  const expected = JSON.parse(readFileSync(join(crawlerDir, 'expected.json'), 'utf8')).tests;
  const dir = await prepareCrawler(root, limitMs);
  const rows = [];
  for (const runner of runners.filter((r) => r !== 'node')) {
    const outputFile = join(dir, `.result-${runner}.json`);
    rmSync(outputFile, { force: true });
    const args =
      runner === 'jest'
        ? [join(root, 'node_modules', 'jest', 'bin', 'jest.js'), '--ci', '--json', `--outputFile=${outputFile}`, `--cacheDirectory=${join(dir, '.jest-cache')}`, '--config', 'jest.config.cjs']
        : [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', 'vitest.config.mjs', `--pool=${runner}`, '--reporter=json', `--outputFile=${outputFile}`];
    const result = await run(nodeRun.exe, args, { cwd: dir, limitMs: limitMs * 3, env: childEnv({ CRAWLEE_LOG_LEVEL: 'OFF' }) });
    let tests = [];
    try {
      const json = JSON.parse(readFileSync(outputFile, 'utf8'));
      tests = json.testResults.flatMap((file) =>
        file.assertionResults.map((a) => ({ file: file.name.split('/').pop(), title: a.title, status: a.status, message: (a.failureMessages ?? []).join('\n').replace(ANSI, '') })),
      );
    } catch {
      /* every expected test is then judged as not run */
    }
    for (const want of expected) {
      const got = tests.find((t) => t.file === want.file && t.title === want.title);
      const base = { case: 'crawler', package: '@crawlee/basic', which: want.title, version: '', runner, seconds: result.seconds, notes: [] };
      if (got === undefined) {
        rows.push({ ...base, status: result.timedOut ? 'time limit' : 'not run', verdict: 'WRONG', why: result.timedOut ? `time limit of ${limitMs * 3} ms hit` : `no result for this test (exit ${result.code})`, message: result.output.slice(-3000) });
        continue;
      }
      const heldBy = firstMatch(got.message, /^\s*held by\s+(.*)$/m);
      const madeAt = firstMatch(got.message, /^\s*made at\s+(.*)$/m);
      const right = got.status === want.expect;
      const notes = [];
      if (right && want.names !== undefined && !heldByText(got.message).includes(want.names)) notes.push(`report does not name ${JSON.stringify(want.names)} as the holder`);
      rows.push({ ...base, status: got.status, verdict: right ? 'right' : 'WRONG', why: right ? undefined : `expected ${want.expect}, ${got.status}: ${firstLines(got.message, 14)}`, heldBy, madeAt, notes, message: got.message });
      const flag = right ? (notes.length > 0 ? `  unhelpful: ${notes.join('; ')}` : '') : `  WRONG: expected ${want.expect}`;
      console.log(`crawler ${runner.padEnd(9)} ${got.status.padEnd(7)} ${(right ? 'right' : 'WRONG').padEnd(5)} ${want.file} > ${want.title}${flag}`);
      if (verbose && got.message) console.log(`${got.message.split('\n').map((l) => `    ${l}`).join('\n')}\n`);
    }
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Command line

function parseArgs(argv) {
  const options = { runners: DEFAULT_RUNNERS, versions: ['leaky', 'fixed'], limitMs: 240_000, work: process.env.TRACKREF_REALWORLD_DIR ?? join(tmpdir(), 'trackref-realworld') };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${flag} needs a value.`);
      return next;
    };
    if (flag === '--cases') options.cases = value().split(',').filter(Boolean);
    else if (flag === '--runners') options.runners = value().split(',').filter(Boolean);
    else if (flag === '--versions') options.versions = value().split(',').filter(Boolean);
    else if (flag === '--json') options.json = value();
    else if (flag === '--work') options.work = value();
    else if (flag === '--limit-ms') options.limitMs = Number(value());
    else if (flag === '--repack') options.repack = true;
    else if (flag === '--verbose') options.verbose = true;
    else if (flag === '--crawler') options.crawler = true;
    else if (flag === '--strict') options.strict = true;
    else if (flag === '--node') options.nodeMajor = Number(value());
    else throw new Error(`Unknown option ${flag}. Options: --cases a,b --runners ${RUNNERS.join(',')} --versions leaky,fixed --json FILE --work DIR --limit-ms N --node MAJOR --strict --repack --verbose --crawler`);
  }
  for (const runner of options.runners) if (!RUNNERS.includes(runner)) throw new Error(`Unknown runner ${JSON.stringify(runner)}; pass some of ${RUNNERS.join(', ')}.`);
  for (const which of options.versions) if (!['leaky', 'fixed'].includes(which)) throw new Error(`--versions takes leaky and/or fixed, not ${JSON.stringify(which)}.`);
  if (!Number.isFinite(options.limitMs) || options.limitMs < 1000) throw new Error('--limit-ms needs a number of milliseconds >= 1000.');
  if (options.nodeMajor !== undefined && (!Number.isInteger(options.nodeMajor) || options.nodeMajor < 18)) throw new Error('--node needs a Node major version, e.g. --node 24.');
  return options;
}

function table(rows) {
  const header = ['case', 'runner', 'version', 'status', 'verdict', 'notes', 'held by (first)', 'made at (first)'];
  const cells = rows.map((r) => [r.case, r.runner, `${r.which} ${r.version}`, r.status, r.verdict, r.notes.length === 0 ? '' : 'UNHELPFUL', r.heldBy ?? '', r.madeAt ?? '']);
  const widths = header.map((h, i) => Math.min(60, Math.max(h.length, ...cells.map((c) => c[i].length))));
  const line = (cols) => cols.map((c, i) => (c.length > widths[i] ? `${c.slice(0, widths[i] - 1)}…` : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), ...cells.map(line)].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  let options;
  let cases;
  try {
    options = parseArgs(process.argv.slice(2));
    cases = loadCases(options.cases);
  } catch (error) {
    console.error(`realworld: ${error.message}`);
    process.exit(2);
  }
  const started = Date.now();
  // The commit the run started from (the sources packed below), taken before the runs.
  const commit = (() => {
    try {
      return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim();
    } catch {
      return null;
    }
  })();
  if (options.nodeMajor !== undefined) {
    const { node, version } = await nodeOfMajor(options.nodeMajor);
    nodeRun.exe = node;
    nodeRun.version = version;
    console.log(`running on Node ${version} (${node})`);
  }
  const setup = await prepareRoot(options.work, options);
  const rows = [];
  for (const testCase of cases) {
    for (const which of options.versions) {
      let project;
      try {
        project = await prepareProject(setup.root, testCase, which, options.limitMs);
      } catch (error) {
        for (const runner of options.runners) {
          rows.push({ case: testCase.name, package: testCase.package, which, version: testCase[which], runner, status: 'install failed', verdict: 'WRONG', why: error.message, notes: [], seconds: 0 });
        }
        continue;
      }
      for (const runner of options.runners) {
        const result = await runOne(setup.root, project, testCase, which, runner, options.limitMs);
        const row = { case: testCase.name, package: testCase.package, which, version: project.version, runner, ...result };
        rows.push(row);
        const flag = row.verdict === 'WRONG' ? `  WRONG: ${row.why}` : row.notes.length > 0 ? `  unhelpful: ${row.notes.join('; ')}` : '';
        console.log(`${testCase.name.padEnd(28)} ${runner.padEnd(9)} ${which.padEnd(5)} ${String(project.version).padEnd(9)} ${row.status.padEnd(10)} ${row.verdict.padEnd(5)} ${row.seconds.toFixed(1).padStart(5)} s${flag}`);
        if (options.verbose && row.message) console.log(`${row.message.split('\n').map((l) => `    ${l}`).join('\n')}\n`);
      }
    }
  }
  if (options.crawler) rows.push(...(await runCrawler(setup.root, options.runners, options.limitMs, options.verbose)));
  const seconds = (Date.now() - started) / 1000;
  console.log(`\n${table(rows)}\n`);
  const wrong = rows.filter((r) => r.verdict === 'WRONG');
  const unhelpful = rows.filter((r) => r.notes.length > 0);
  for (const r of unhelpful) console.log(`unhelpful  ${r.case} ${r.runner} ${r.which}: ${r.notes.join('; ')}`);
  for (const r of wrong) console.log(`WRONG      ${r.case} ${r.runner} ${r.which}: ${r.why.split('\n').slice(0, 6).join('\n             ')}`);
  console.log(`\n${rows.length} verdicts, ${wrong.length} wrong, ${unhelpful.length} unhelpful; ${cases.length} cases; ${seconds.toFixed(0)} s (trackref ${setup.tarballDigest}, jest ${setup.jest}, vitest ${setup.vitest}, node ${nodeRun.version})`);
  const jsonFile = options.json ?? join(options.work, 'results.json');
  const json = {
    createdAt: new Date().toISOString(),
    node: nodeRun.version,
    trackref: setup.tarballDigest,
    commit,
    jest: setup.jest,
    vitest: setup.vitest,
    seconds,
    cases: cases.map(({ dir, ...spec }) => spec),
    results: rows.map(({ message, ...row }) => ({ ...row, report: row.verdict === 'right' && (row.which === 'leaky' || row.case === 'crawler') && row.runner !== 'node' && message ? message : undefined, message: row.verdict === 'WRONG' ? message?.slice(0, 4000) : undefined })),
  };
  mkdirSync(dirname(jsonFile), { recursive: true });
  writeFileSync(jsonFile, `${JSON.stringify(json, null, 2)}\n`);
  console.log(`JSON: ${jsonFile}`);
  if (options.strict && unhelpful.length > 0) console.log(`--strict: ${unhelpful.length} unhelpful report(s) fail the run`);
  process.exitCode = wrong.length > 0 || (options.strict && unhelpful.length > 0) ? 1 : 0;
}
