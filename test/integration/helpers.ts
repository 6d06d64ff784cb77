// Runs real Jest and Vitest processes on the fixture projects under test/fixtures/ and reads their
// machine-readable results (jest --json, vitest --reporter=json). Not a test file.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { expect } from 'vitest';
import { RUN_LIMIT, type Limit } from '../limits.mts';

export const repo = path.resolve(import.meta.dirname, '../..');
export const fixtures = path.join(repo, 'test', 'fixtures');
export const jestEntry = path.join(repo, 'node_modules', 'jest', 'bin', 'jest.js');
export const vitestEntry = path.join(repo, 'node_modules', 'vitest', 'vitest.mjs');
export const jestGc = path.join(repo, 'bin', 'jest-gc.js');
export const vitestGc = path.join(repo, 'bin', 'vitest-gc.js');

/** How much of a failed run's output a message shows (its end, where runners say what went wrong). */
const TAIL_CHARS = 6000;

export interface TestOutcome {
  status: string;
  /** Failure messages joined, ANSI escapes removed. */
  message: string;
}

/** What a fixture test file wrote about the process/thread that ran it (tests/record.*). */
export interface FileRecord {
  pid: number;
  isMainThread: boolean;
  workerId: string | null;
  gcGlobal: string;
  nodeOptions?: string | null;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The runner's own process id. */
  pid: number;
  /** Every test by full name ("describe › test"). */
  tests: Map<string, TestOutcome>;
  /** Per test file (basename), what it recorded. */
  records: Record<string, FileRecord>;
  /** The raw JSON report. */
  json: JsonReport;
}

interface JsonAssertion {
  ancestorTitles: string[];
  title: string;
  status: string;
  failureMessages: string[];
}
interface JsonReport {
  success: boolean;
  numTotalTests: number;
  numFailedTests: number;
  testResults: Array<{ name: string; status: string; message: string; assertionResults: JsonAssertion[] }>;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/** The environment for a spawned runner: no Vitest/Jest variables of this run, no NODE_OPTIONS. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(VITEST|JEST_WORKER_ID$|NODE_OPTIONS$|TEST$|NODE_ENV$|FORCE_COLOR$|NO_COLOR$)/.test(key)) continue;
    env[key] = value;
  }
  return { ...env, CI: 'true', FORCE_COLOR: '0', NO_COLOR: '1', ...extra };
}

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), `trackref-${prefix}-`));
}

export interface SpawnResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  pid: number;
  /** Set when the process was stopped because it reached its time limit (this one). */
  limitHit?: Limit;
  seconds: number;
}

/** Spawned processes under way: each leads a process group of its own, ended if this process exits. */
const running = new Set<number>();
process.once('exit', () => {
  for (const pid of running) killGroup(pid);
});

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/**
 * Runs `node ...args` with no stdin, in a process group of its own, and stops the group (the runner
 * and its workers) when it reaches `limit` (default: TRACKREF_RUN_LIMIT_S, see test/limits.ts).
 */
export function run(args: string[], cwd: string, env: NodeJS.ProcessEnv, limit: Limit = RUN_LIMIT): Promise<SpawnResult> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let limitHit: Limit | undefined;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    if (child.pid !== undefined) running.add(child.pid);
    const timer = setTimeout(() => {
      limitHit = limit;
      killGroup(child.pid!);
    }, limit.ms);
    child.on('error', (error) => {
      clearTimeout(timer);
      running.delete(child.pid!);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child.pid!);
      resolve({ code, signal, stdout, stderr, pid: child.pid!, seconds: (Date.now() - started) / 1000, ...(limitHit ? { limitHit } : {}) });
    });
  });
}

/**
 * Why a spawned process gave no result, for a failure message: the time limit it hit (which one,
 * its value, how to raise it), or how it ended; then the end of its output.
 */
export function explainNoResult(what: string, spawned: Omit<SpawnResult, 'pid'>, missing: string): string {
  const ended = spawned.signal ? `was killed by ${spawned.signal}` : `exited with code ${spawned.code}`;
  const head = spawned.limitHit
    ? `${what}: TIME LIMIT HIT. It was stopped after ${spawned.seconds.toFixed(0)} s, at its limit ${spawned.limitHit.describe}, ` +
      `before it wrote ${missing}. The machine may be busy; ${spawned.limitHit.raise}.`
    : `${what} ${ended} after ${spawned.seconds.toFixed(0)} s without writing ${missing} (it crashed or failed to start; its output ends below).`;
  const tail = (text: string): string => (text.trim() === '' ? '(nothing)' : text.slice(-TAIL_CHARS));
  return `${head}\n--- stdout (its last ${TAIL_CHARS} characters) ---\n${tail(spawned.stdout)}\n--- stderr (its last ${TAIL_CHARS} characters) ---\n${tail(spawned.stderr)}`;
}

/** Reads a runner's JSON report, or throws saying why there is none (see explainNoResult). */
export function readJsonReport<T>(what: string, outputFile: string, spawned: Omit<SpawnResult, 'pid'>): T {
  let text: string;
  try {
    text = readFileSync(outputFile, 'utf8');
  } catch {
    throw new Error(explainNoResult(what, spawned, `its JSON report (${outputFile})`));
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new Error(`${explainNoResult(what, spawned, 'a complete JSON report')}\n(the report ${outputFile} did not parse: ${(error as Error).message})`);
  }
}

function readResults(what: string, outputFile: string, recordsDir: string, spawned: SpawnResult): RunResult {
  const json = readJsonReport<JsonReport>(what, outputFile, spawned);
  const tests = new Map<string, TestOutcome>();
  for (const file of json.testResults) {
    for (const assertion of file.assertionResults) {
      const name = [...assertion.ancestorTitles, assertion.title].join(' › ');
      tests.set(name, { status: assertion.status, message: stripAnsi(assertion.failureMessages.join('\n')) });
    }
  }
  const records: Record<string, FileRecord> = {};
  for (const name of readdirSync(recordsDir)) {
    records[name.replace(/\.json$/, '')] = JSON.parse(readFileSync(path.join(recordsDir, name), 'utf8')) as FileRecord;
  }
  return { ...spawned, tests, records, json };
}

export interface RunOptions {
  /** Run through this script (e.g. bin/jest-gc.js) instead of the runner's own entry. */
  entry?: string;
  env?: Record<string, string>;
}

/** Runs Jest in a fixture directory with `--json`. */
export async function runJest(fixture: string, args: string[] = [], options: RunOptions = {}): Promise<RunResult> {
  const work = tempDir('jest');
  try {
    const outputFile = path.join(work, 'results.json');
    const recordsDir = path.join(work, 'records');
    mkdirSync(recordsDir);
    // A fresh cache: no timings from earlier runs, so Jest does not decide to run in band by itself.
    const spawned = await run(
      [options.entry ?? jestEntry, '--ci', '--json', `--outputFile=${outputFile}`, `--cacheDirectory=${path.join(work, 'cache')}`, ...args],
      path.join(fixtures, fixture),
      childEnv({ TRACKREF_FIXTURE_OUT: recordsDir, ...options.env }),
    );
    return readResults(`Jest in ${fixture} (${args.join(' ')})`, outputFile, recordsDir, spawned);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Runs `vitest run` in a directory (a fixture name or an absolute path) with the JSON reporter. */
export async function runVitest(fixture: string, args: string[] = [], options: RunOptions = {}): Promise<RunResult> {
  const work = tempDir('vitest');
  try {
    const outputFile = path.join(work, 'results.json');
    const recordsDir = path.join(work, 'records');
    mkdirSync(recordsDir);
    const spawned = await run(
      [options.entry ?? vitestEntry, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${outputFile}`, ...args],
      path.isAbsolute(fixture) ? fixture : path.join(fixtures, fixture),
      childEnv({ TRACKREF_FIXTURE_OUT: recordsDir, ...options.env }),
    );
    return readResults(`Vitest in ${fixture} (${args.join(' ')})`, outputFile, recordsDir, spawned);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Every test's status, by full name. */
export function statuses(result: RunResult): Record<string, string> {
  // A skipped test is `pending` in Jest's JSON report and `skipped` in Vitest's.
  return Object.fromEntries([...result.tests].map(([name, outcome]) => [name, outcome.status === 'pending' ? 'skipped' : outcome.status]));
}

/** The failure message of one test (which must exist). */
export function messageOf(result: RunResult, name: string): string {
  const outcome = result.tests.get(name);
  if (outcome === undefined) {
    throw new Error(`No test named ${JSON.stringify(name)}; the run had: ${JSON.stringify([...result.tests.keys()], null, 2)}\n${result.stdout}\n${result.stderr}`);
  }
  return outcome.message;
}

/**
 * The expected status of a fixture test from its name: tests named "... (must fail)" fail, "...
 * (skipped)" are skipped, "... (todo)" are todo, the others pass.
 */
export function expectedStatuses(names: string[]): Record<string, string> {
  const status = (name: string): string => (/ \(must fail\)$/.test(name) ? 'failed' : / \(skipped\)$/.test(name) ? 'skipped' : / \(todo\)$/.test(name) ? 'todo' : 'passed');
  return Object.fromEntries(names.map((name) => [name, status(name)]));
}

/** Explains a run when an assertion about it fails. */
export function describeRun(result: RunResult): string {
  return `exit ${result.code}\n--- stdout ---\n${result.stdout.slice(-TAIL_CHARS)}\n--- stderr ---\n${result.stderr.slice(-TAIL_CHARS)}`;
}

/** Asserts the exact status of every test of the run (no test missing, none extra). */
export function expectStatuses(result: RunResult, names: string[]): void {
  expect(statuses(result), describeRun(result)).toEqual(expectedStatuses(names));
}
