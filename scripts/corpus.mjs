#!/usr/bin/env node
// Runs the leak corpus (test/corpus/) under real runners and judges every verdict.
//
//   node scripts/corpus.mjs                       Jest and every Vitest pool, one pass each
//   node scripts/corpus.mjs --cells jest,vmForks  some cells (jest, forks, threads, vmThreads, vmForks)
//   node scripts/corpus.mjs --passes 5 --paths first --only 'leak 0[1-3]'
//   node scripts/corpus.mjs --node 24 --jobs 2    on Node 24 (from the npm registry), two cells at once
//   node scripts/corpus.mjs --limit-s 2400        let one cell's runner run 40 minutes (default 20)
//
// A leak is judged right when its test failed with trackref's leak report (and, on passes with
// retainer paths, the report names the case's `heldBy` reference); a look-alike when its test
// passed. Anything else is a wrong verdict. Used by test/integration/corpus.test.ts and
// scripts/soak.mjs; needs dist/ (npm run build).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeOfMajor } from './registry-tools.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const corpusDir = join(root, 'test', 'corpus');
const jestEntry = join(root, 'node_modules', 'jest', 'bin', 'jest.js');
const vitestEntry = join(root, 'node_modules', 'vitest', 'vitest.mjs');

export const CELLS = ['jest', 'forks', 'threads', 'vmThreads', 'vmForks'];
const TITLE = /^(leak|look-alike) (\d+): (.*?)(?: \| held by (.*))?$/;
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

/** Runner processes under way, each the leader of its own process group. */
const running = new Set();
// Runners live in process groups of their own, so a terminal's Ctrl-C no longer reaches them:
// whoever started them ends them when it exits.
process.once('exit', () => stopRunners());

/** Kills every runner process under way and everything it started (for a soak that is stopped). */
export function stopRunners() {
  for (const child of running) killGroup(child);
}

function killGroup(child) {
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

/** A cell's runner may run this long before it is stopped (20 minutes; --limit-s, or options.limitMs). */
export const DEFAULT_LIMIT_MS = 20 * 60_000;
/** How much of a runner's output a message about a run that gave no report shows (its end). */
const TAIL_CHARS = 4000;

function spawnNode(node, args, { cwd, env, limitMs }) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let limitHit = false;
    // A process group of its own, so that a time-out or a stopped soak also ends the runner's workers.
    const child = spawn(node, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    running.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      limitHit = true;
      killGroup(child);
    }, limitMs);
    child.on('error', (error) => {
      running.delete(child);
      reject(error);
    });
    child.on('close', (code, signal) => {
      running.delete(child);
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, limitHit, seconds: (Date.now() - started) / 1000 });
    });
  });
}

/**
 * Why a cell's runner gave no JSON report: the time limit it hit (its value and how to raise it),
 * or how it ended, with the end of its output.
 */
function explainNoReport(cell, spawned, limitMs, raise, error) {
  const head = spawned.limitHit
    ? `TIME LIMIT HIT: the ${cell} runner was stopped after ${spawned.seconds.toFixed(0)} s, at its limit of ${limitMs / 1000} s, before it wrote its JSON report. ` +
      `The machine may be busy; raise the limit: ${raise}.`
    : `the ${cell} runner ${spawned.signal ? `was killed by ${spawned.signal}` : `exited with code ${spawned.code}`} after ${spawned.seconds.toFixed(0)} s ` +
      `without writing its JSON report (${error.code ?? error.message}): it crashed or failed to start.`;
  const tail = `${spawned.stdout}\n${spawned.stderr}`.trim().slice(-TAIL_CHARS);
  return `${head}\nThe runner's output ${tail === '' ? 'was empty.' : `ends:\n${tail}`}`;
}

/** The environment of a spawned runner: this process's, minus the variables of a runner around it. */
function runnerEnv(extra) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(VITEST|JEST_WORKER_ID$|NODE_OPTIONS$|TEST$|NODE_ENV$|FORCE_COLOR$|NO_COLOR$)/.test(key)) continue;
    env[key] = value;
  }
  return { ...env, CI: 'true', FORCE_COLOR: '0', NO_COLOR: '1', ...extra };
}

/**
 * One run of the corpus in one cell. Options: passes (default 1), paths ('first' | 'all' | 'none'),
 * only (a title regex), nodeOptions (NODE_OPTIONS for the runner and its workers), node (the Node
 * binary that runs the runner; default this process's), limitMs (default DEFAULT_LIMIT_MS) and
 * limitRaise (how the caller's user raises it, for the message; default "--limit-s SECONDS").
 * Resolves to { cell, seconds, code, limitHit, tests: [{ pass, title, kind, heldBy, status, message }],
 * wrong: [{ pass, title, why }], output } — `wrong` also lists cases that did not run at all, and a
 * run that wrote no report (a '(run)' entry saying why: the time limit, or a crash).
 */
export async function runCorpus(cell, options = {}) {
  if (!CELLS.includes(cell)) throw new Error(`Unknown corpus cell ${JSON.stringify(cell)}; pass one of ${CELLS.join(', ')}.`);
  const passes = options.passes ?? 1;
  const paths = options.paths ?? 'first';
  const work = mkdtempSync(join(tmpdir(), 'trackref-corpus-'));
  const outputFile = join(work, 'results.json');
  const args =
    cell === 'jest'
      ? [jestEntry, '--ci', '--json', `--outputFile=${outputFile}`, `--cacheDirectory=${join(work, 'cache')}`, '--config', join(corpusDir, 'jest.config.cjs')]
      : [vitestEntry, 'run', `--pool=${cell}`, '--reporter=json', `--outputFile.json=${outputFile}`];
  const env = runnerEnv({
    TRACKREF_CORPUS_PASSES: String(passes),
    TRACKREF_CORPUS_PATHS: paths,
    ...(options.only === undefined ? {} : { TRACKREF_CORPUS_ONLY: options.only }),
    ...(options.nodeOptions === undefined ? {} : { NODE_OPTIONS: options.nodeOptions }),
  });
  const started = Date.now();
  try {
    const limitMs = options.limitMs ?? DEFAULT_LIMIT_MS;
    const spawned = await spawnNode(options.node ?? process.execPath, args, { cwd: corpusDir, env, limitMs });
    const seconds = (Date.now() - started) / 1000;
    let json;
    let noReport;
    try {
      json = JSON.parse(readFileSync(outputFile, 'utf8'));
    } catch (error) {
      json = { testResults: [] };
      noReport = explainNoReport(cell, spawned, limitMs, options.limitRaise ?? `node scripts/corpus.mjs --limit-s ${(limitMs / 500).toFixed(0)}`, error);
      spawned.stderr += `\n[corpus] ${noReport.split('\n')[0]}`;
    }
    const tests = [];
    for (const file of json.testResults) {
      for (const assertion of file.assertionResults) {
        const match = TITLE.exec(assertion.title);
        if (match === null) continue;
        tests.push({
          pass: Number(/^pass (\d+)$/.exec(assertion.ancestorTitles[0] ?? '')?.[1] ?? 0),
          title: assertion.title,
          kind: match[1],
          heldBy: match[4],
          status: assertion.status,
          message: assertion.failureMessages.join('\n').replace(ANSI, ''),
        });
      }
    }
    const wrong = tests.flatMap((test) => {
      const why = judge(test, pathsOnPass(paths, test.pass));
      return why === undefined ? [] : [{ pass: test.pass, title: test.title, why }];
    });
    const expectedCount = options.expectedTests;
    if (noReport !== undefined) {
      wrong.push({ pass: 0, title: '(run)', why: noReport });
    } else if (expectedCount !== undefined && tests.length !== expectedCount) {
      wrong.push({ pass: 0, title: '(run)', why: `${tests.length} of ${expectedCount} corpus tests reported; exit ${spawned.code} ${spawned.signal ?? ''}` });
    }
    return { cell, seconds, code: spawned.code, limitHit: spawned.limitHit, tests, wrong, output: `${spawned.stdout}\n${spawned.stderr}` };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function pathsOnPass(paths, pass) {
  return paths === 'all' || (paths === 'first' && pass === 1);
}

/** Why a verdict is wrong, or undefined when it is right. */
export function judge(test, withPaths) {
  if (test.kind === 'look-alike') {
    return test.status === 'passed' ? undefined : `look-alike ${test.status}: ${firstLines(test.message)}`;
  }
  if (test.status !== 'failed') return `leak not caught (${test.status})`;
  if (!/toLeak\(/.test(test.message) || !/leaked/.test(test.message)) return `failed without a leak report: ${firstLines(test.message)}`;
  if (withPaths && !test.message.includes(test.heldBy)) return `report does not name ${JSON.stringify(test.heldBy)}:\n${test.message}`;
  return undefined;
}

function firstLines(text, count = 12) {
  return text.split('\n').slice(0, count).join('\n');
}

/** Counts of cases by kind in a run's first pass. */
export function corpusSize(tests) {
  const first = tests.filter((test) => test.pass === 1);
  return { leaks: first.filter((t) => t.kind === 'leak').length, lookAlikes: first.filter((t) => t.kind === 'look-alike').length };
}

function parseArgs(argv) {
  const options = { cells: CELLS, passes: 1, paths: 'first', jobs: 1 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${flag} needs a value.`);
      return next;
    };
    if (flag === '--cells') options.cells = value().split(',');
    else if (flag === '--passes') options.passes = wholeNumber(flag, value());
    else if (flag === '--paths') {
      options.paths = value();
      if (!['first', 'all', 'none'].includes(options.paths)) throw new Error(`--paths takes first, all or none, not ${JSON.stringify(options.paths)}.`);
    }
    else if (flag === '--only') options.only = value();
    else if (flag === '--verbose') options.verbose = true;
    else if (flag === '--node') options.nodeMajor = wholeNumber(flag, value());
    else if (flag === '--jobs') options.jobs = wholeNumber(flag, value());
    else if (flag === '--limit-s') options.limitMs = wholeNumber(flag, value()) * 1000;
    else throw new Error(`Unknown option ${flag}. Options: --cells ${CELLS.join(',')} --passes N --paths first|all|none --only REGEX --node MAJOR --jobs N --limit-s SECONDS --verbose`);
  }
  return options;
}

/** A command-line option's whole number >= 1, or an error saying what to pass. */
export function wholeNumber(flag, text) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} needs a whole number >= 1, e.g. ${flag} ${flag === '--node' ? 24 : 2}; got ${JSON.stringify(text)}.`);
  return n;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`corpus: ${error.message}`);
    process.exit(2);
  }
  if (options.nodeMajor !== undefined) {
    const { node, version } = await nodeOfMajor(options.nodeMajor);
    options.node = node;
    console.log(`corpus on Node ${version} (${node})`);
  }
  let failed = false;
  const queue = [...options.cells];
  const worker = async () => {
    for (let cell = queue.shift(); cell !== undefined; cell = queue.shift()) {
      const result = await runCorpus(cell, options);
      const size = corpusSize(result.tests);
      const lines = [`${cell.padEnd(10)} ${result.tests.length} verdicts (${size.leaks} leaks, ${size.lookAlikes} look-alikes per pass), ${result.wrong.length} wrong, ${result.seconds.toFixed(1)} s`];
      for (const wrong of result.wrong) lines.push(`  WRONG pass ${wrong.pass} ${wrong.title}\n    ${wrong.why.replace(/\n/g, '\n    ')}`);
      // A run with no report already carries its output's end in its '(run)' verdict.
      if (options.verbose || (result.tests.length === 0 && !result.wrong.some((w) => w.title === '(run)'))) lines.push(result.output);
      console.log(lines.join('\n'));
      if (result.wrong.length > 0 || result.tests.length === 0) failed = true;
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.jobs, queue.length) }, worker));
  process.exitCode = failed ? 1 : 0;
}
