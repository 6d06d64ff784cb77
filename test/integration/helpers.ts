// Runs real Jest and Vitest processes on the fixture projects under test/fixtures/ and reads their
// machine-readable results (jest --json, vitest --reporter=json). Not a test file.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { expect } from 'vitest';

export const repo = path.resolve(import.meta.dirname, '../..');
export const fixtures = path.join(repo, 'test', 'fixtures');
export const jestEntry = path.join(repo, 'node_modules', 'jest', 'bin', 'jest.js');
export const vitestEntry = path.join(repo, 'node_modules', 'vitest', 'vitest.mjs');
export const jestGc = path.join(repo, 'bin', 'jest-gc.js');
export const vitestGc = path.join(repo, 'bin', 'vitest-gc.js');

/** A spawned runner may take this long before it is stopped (it has its own test timeouts). */
const RUN_LIMIT_MS = 110_000;

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

interface SpawnResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  pid: number;
}

export function run(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<SpawnResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, pid: child.pid! });
    });
  });
}

function readResults(outputFile: string, recordsDir: string, spawned: SpawnResult): RunResult {
  let json: JsonReport;
  try {
    json = JSON.parse(readFileSync(outputFile, 'utf8')) as JsonReport;
  } catch (error) {
    throw new Error(
      `The runner wrote no JSON report (${(error as Error).message}); exit ${spawned.code} ${spawned.signal ?? ''}\n` +
        `--- stdout ---\n${spawned.stdout}\n--- stderr ---\n${spawned.stderr}`,
    );
  }
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
    return readResults(outputFile, recordsDir, spawned);
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
    return readResults(outputFile, recordsDir, spawned);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Every test's status, by full name. */
export function statuses(result: RunResult): Record<string, string> {
  return Object.fromEntries([...result.tests].map(([name, outcome]) => [name, outcome.status]));
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
 * The expected status of a fixture test from its name: tests named "... (must fail)" fail, the
 * others pass.
 */
export function expectedStatuses(names: string[]): Record<string, string> {
  return Object.fromEntries(names.map((name) => [name, / \(must fail\)$/.test(name) ? 'failed' : 'passed']));
}

/** Explains a run when an assertion about it fails. */
export function describeRun(result: RunResult): string {
  return `exit ${result.code}\n--- stdout ---\n${result.stdout.slice(-6000)}\n--- stderr ---\n${result.stderr.slice(-6000)}`;
}

/** Asserts the exact status of every test of the run (no test missing, none extra). */
export function expectStatuses(result: RunResult, names: string[]): void {
  expect(statuses(result), describeRun(result)).toEqual(expectedStatuses(names));
}
