// Retainer paths of leaked instances, exactly as the report must print them, for the retention
// shapes users meet (object property chain, array element, Map value, Set member, class static
// field, closure variable, module-level variable in an ES and a CommonJS module, a CommonJS module's
// exports (the runner's module records collapsed into the file), EventEmitter
// listener, uncleared interval, unsettled promise reaction, WeakMap value under a live key,
// globalThis property), under Jest 30 (CommonJS test file; the ES module shape in an ESM test file
// with --experimental-vm-modules) and Vitest 4 (ESM test file, pools forks and vmThreads); and
// allocation sites of TypeScript sources (mapped lines and columns, with the source excerpt).
//
// The fixtures (test/fixtures/retainers-jest, retainers-vitest, ts-sources) leak one HtmlResponse per
// call through each shape; every fixture test saves what checkLeaks reported (TRACKREF_FIXTURE_OUT)
// and then fails the matcher on the same shape. Here: the exact retainer path of checkLeaks'
// `rows[0].oldest[0].retainerPath`, the `held by` line of report.format() and of the matcher's
// failure message, and the allocation site. Every shape starts from empty containers and fn is called
// 5 times per check (1 warm-up, 1 counted by births, 1 measured on the heap, then 2 more after the
// verdict to show whether the count keeps growing), so the reported instance (the oldest leaked one,
// from the measured run) is the third one made: index [2], key 'http://example.com/p2'.
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { RUN_LIMIT, timeoutFor } from '../limits.mts';
import { childEnv, fixtures, jestEntry, readJsonReport, run, stripAnsi, tempDir, vitestEntry } from './helpers';

/** The retainer path each shape must render, as the user would write it. */
const EXPECTED_PATHS: Record<string, string> = {
  'object property chain': 'crawler.stats.pages.p2.response',
  'array element': 'scheduler.queue[2].meta.referer',
  'Map value': "responseCache.get('http://example.com/p2')",
  'Set member': 'seen (Set member)',
  'class static field': 'SpiderRegistry.all[2]',
  'closure variable': 'record → record() → history[2]',
  'module-level variable (ES module)': 'esmModuleList[2]',
  'module-level variable (CommonJS module)': 'cjsModuleList[2]',
  // A module's exports object, reached through the runner's module records (Jest's registry, Vitest's
  // evaluated modules): collapsed into `exports` and the module's file.
  'CommonJS module exports': 'exports.leakedContexts[2].request (module-exports.cjs)',
  'EventEmitter listener': "bus listeners 'tick'[2] → onTick() → item",
  // A timer in Node's timer lists: named as created (with when it fires next when the Timeout can be
  // read, which the comparison leaves out; test/unit/holders.test.ts checks it).
  'uncleared interval': 'setInterval(…, 100000) pending → poll() → item',
  // The promise the user keeps, then its reaction (the onDone callback) and the variable it closes over.
  'unsettled promise reaction': 'pending[2].then(onDone) → onDone() → item',
  // The value the WeakMap holds under its live key, written as the lookup that reaches it.
  'WeakMap value under a live key': 'weakCache.get(sessionKey)[2]',
  'globalThis property': 'globalThis.kept[2]',
};

const ALL_SHAPES = Object.keys(EXPECTED_PATHS);
const TS_TEST = 'TypeScript allocation site';
/** ../ts-sources/pages.ts keeps its pages in `export const fetched`; babel's CommonJS interop reaches it as `_pages.fetched`. */
const TS_PATH = /^(?:_pages\.)?fetched\[2\]$/;

interface Runner {
  name: string;
  runner: 'jest' | 'vitest';
  fixture: string;
  args: string[];
  env?: Record<string, string>;
  /** The fixture test file holding the shapes (allocation sites of the shapes are in it). */
  shapesFile: string;
  shapes: string[];
  /** Also runs alloc.test.ts (TypeScript, importing ../ts-sources/pages.ts). */
  typescript: boolean;
}

const RUNNERS: Runner[] = [
  {
    name: 'Jest 30, CommonJS test file',
    runner: 'jest',
    fixture: 'retainers-jest',
    args: ['shapes\\.test\\.js$', 'alloc\\.test\\.ts$'],
    shapesFile: 'shapes.test.js',
    shapes: ALL_SHAPES.filter((shape) => shape !== 'module-level variable (ES module)'),
    typescript: true,
  },
  {
    name: 'Jest 30, ES module test file (--experimental-vm-modules)',
    runner: 'jest',
    fixture: 'retainers-jest',
    args: ['esm-module\\.test\\.mjs$'],
    env: { NODE_OPTIONS: '--experimental-vm-modules' },
    shapesFile: 'esm-module.test.mjs',
    shapes: ['module-level variable (ES module)'],
    typescript: false,
  },
  {
    name: 'Vitest 4, pool forks',
    runner: 'vitest',
    fixture: 'retainers-vitest',
    args: ['--pool=forks'],
    shapesFile: 'shapes.test.mjs',
    shapes: ALL_SHAPES,
    typescript: true,
  },
  {
    name: 'Vitest 4, pool vmThreads',
    runner: 'vitest',
    fixture: 'retainers-vitest',
    args: ['--pool=vmThreads'],
    shapesFile: 'shapes.test.mjs',
    shapes: ALL_SHAPES,
    typescript: true,
  },
];

/**
 * One spawned runner may take this long: twice TRACKREF_RUN_LIMIT_S (test/limits.ts), as every
 * failing check here takes a heap snapshot and the machine may be busy.
 */
const RETAINERS_LIMIT = { ...RUN_LIMIT, ms: RUN_LIMIT.ms * 2, describe: `2 × ${RUN_LIMIT.describe}` };
/** Runners spawned at once (each brings its own workers; this is a 2-core machine). */
const CONCURRENT_RUNS = 2;

interface SavedCheck {
  leaked: boolean;
  calls: number;
  counting: string;
  className: string;
  retainerPath?: string;
  retainerSteps?: Array<{ text: string; className: string; leaking?: string; holder?: { kind: string; file?: string } }>;
  allocationSite?: { location: string; excerpt: string[] };
  formatted: string;
}

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Status and failure message of every test, by name. */
  tests: Map<string, { status: string; message: string }>;
  /** What each fixture test file saved: file name → shape → checkLeaks report. */
  saved: Record<string, Record<string, SavedCheck>>;
}

async function runFixture(runner: Runner): Promise<Outcome> {
  const work = tempDir(`retainers-${runner.runner}`);
  try {
    const outputFile = path.join(work, 'results.json');
    const savedDir = path.join(work, 'saved');
    mkdirSync(savedDir);
    const args =
      runner.runner === 'jest'
        ? [jestEntry, '--ci', '--json', `--outputFile=${outputFile}`, `--cacheDirectory=${path.join(work, 'cache')}`, ...runner.args]
        : [vitestEntry, 'run', '--reporter=json', `--outputFile.json=${outputFile}`, ...runner.args];
    const spawned = await run(args, path.join(fixtures, runner.fixture), childEnv({ TRACKREF_FIXTURE_OUT: savedDir, ...runner.env }), RETAINERS_LIMIT);
    type Json = { testResults: Array<{ assertionResults: Array<{ ancestorTitles: string[]; title: string; status: string; failureMessages: string[] }> }> };
    const json = readJsonReport<Json>(runner.name, outputFile, spawned);
    const tests = new Map<string, { status: string; message: string }>();
    for (const file of json.testResults) {
      for (const result of file.assertionResults) {
        tests.set([...result.ancestorTitles, result.title].join(' › '), { status: result.status, message: stripAnsi(result.failureMessages.join('\n')) });
      }
    }
    const saved: Outcome['saved'] = {};
    for (const name of readdirSync(savedDir)) {
      saved[name.replace(/\.json$/, '')] = JSON.parse(readFileSync(path.join(savedDir, name), 'utf8')) as Record<string, SavedCheck>;
    }
    return { ...spawned, tests, saved };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Runs every runner, at most CONCURRENT_RUNS at a time; a runner that could not run keeps its error. */
async function runAll(): Promise<Map<string, Outcome | Error>> {
  const outcomes = new Map<string, Outcome | Error>();
  const queue = [...RUNNERS];
  const worker = async (): Promise<void> => {
    for (let runner = queue.shift(); runner !== undefined; runner = queue.shift()) {
      try {
        outcomes.set(runner.name, await runFixture(runner));
      } catch (error) {
        outcomes.set(runner.name, error as Error);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENT_RUNS }, worker));
  return outcomes;
}

/** The output of a run, to explain a failed assertion. */
function context(outcome: Outcome): string {
  return `exit ${outcome.code}\n--- stdout ---\n${outcome.stdout.slice(-4000)}\n--- stderr ---\n${outcome.stderr.slice(-4000)}`;
}

/** A timer's due time varies from run to run: left out to compare the rest exactly. */
function withoutDueTime(path: string | undefined): string | undefined {
  return path?.replace(/, (due|next) in \d+\.\d s/, '');
}

/** The `held by` paths of a report or failure message, in order (timers' due times left out). */
function heldBy(text: string): string[] {
  return [...text.matchAll(/^\s*held by {2}(.*)$/gm)].map((match) => withoutDueTime(match[1]!.trimEnd())!);
}

/** Where `needle` is in a fixture file, as `line:column` (1-based), from the only line containing it. */
function positionOf(file: string, needle: string): { line: number; column: number; text: string[] } {
  const text = readFileSync(file, 'utf8').split('\n');
  const lines = text.flatMap((line, index) => (line.includes(needle) && !line.trimStart().startsWith('//') ? [index] : []));
  expect(lines, `${needle} in ${file}`).toHaveLength(1);
  return { line: lines[0]! + 1, column: text[lines[0]!]!.indexOf(needle) + 1, text };
}

/** The two-line source excerpt the report shows under `made at`. */
function excerptOf(text: string[], line: number): string[] {
  return [line - 1, line].map((n) => `${String(n).padStart(5)} | ${text[n - 1]!.trimEnd()}`);
}

/** The `made at` line and the two excerpt lines under it, as printed (indentation dropped). */
function madeAt(text: string): string[] {
  const lines = text.split('\n');
  const index = lines.findIndex((line) => /^\s*made at {2}/.test(line));
  if (index < 0) return [];
  return lines.slice(index, index + 3).map((line) => line.trim());
}

let outcomes: Map<string, Outcome | Error>;
beforeAll(async () => {
  outcomes = await runAll();
}, timeoutFor(RETAINERS_LIMIT, Math.ceil(RUNNERS.length / CONCURRENT_RUNS)));

function outcomeOf(runner: Runner): Outcome {
  const outcome = outcomes.get(runner.name);
  if (outcome === undefined) throw new Error(`${runner.name} did not run`);
  if (outcome instanceof Error) throw outcome;
  return outcome;
}

describe.each(RUNNERS)('$name', (runner) => {
  const fixtureDir = path.join(fixtures, runner.fixture);
  const expectedTests = [...runner.shapes, ...(runner.typescript ? [TS_TEST] : [])].map((name) => `${name} (must fail)`);

  test('every fixture test ran and failed on its leak', () => {
    const outcome = outcomeOf(runner);
    const statuses = Object.fromEntries([...outcome.tests].map(([name, { status }]) => [name, status]));
    expect(statuses, context(outcome)).toEqual(Object.fromEntries(expectedTests.map((name) => [name, 'failed'])));
    for (const name of expectedTests) {
      expect(outcome.tests.get(name)!.message, name).toContain('expect(fn).not.toLeak(HtmlResponse)');
    }
  });

  test.each(runner.shapes)('%s: exact retainer path in checkLeaks, its report and the matcher message', (shape) => {
    const outcome = outcomeOf(runner);
    const expected = EXPECTED_PATHS[shape]!;
    const saved = outcome.saved[runner.shapesFile]?.[shape];
    expect(saved, `${runner.shapesFile} saved no checkLeaks report for ${shape}\n${context(outcome)}`).toBeDefined();
    expect({ leaked: saved!.leaked, calls: saved!.calls, counting: saved!.counting, className: saved!.className }).toEqual({
      leaked: true,
      calls: 5,
      counting: 'heap',
      className: 'HtmlResponse',
    });
    const steps = (saved!.retainerSteps ?? []).map((step) => `${step.text} (${step.className})`).join(', ');
    expect(withoutDueTime(saved!.retainerPath), `checkLeaks: rows[0].oldest[0].retainerPath (steps: ${steps})`).toBe(expected);
    expect(heldBy(saved!.formatted), 'report.format()').toEqual([expected]);
    const message = outcome.tests.get(`${shape} (must fail)`)?.message ?? '';
    expect(heldBy(message), `the matcher's failure message:\n${message}`).toEqual([expected]);
  });

  test.runIf(runner.shapes.includes('CommonJS module exports'))("CommonJS module exports: the trace starts at the module's exports, with its file, expected to live", () => {
    const outcome = outcomeOf(runner);
    const first = outcome.saved[runner.shapesFile]?.['CommonJS module exports']?.retainerSteps?.[0];
    expect(first, context(outcome)).toMatchObject({ text: 'exports', leaking: 'no', holder: { kind: 'module-exports', file: 'module-exports.cjs' } });
  });

  test('allocation site of the shapes: the fixture line and column of the `new`, with its excerpt', () => {
    const outcome = outcomeOf(runner);
    const { line, column, text } = positionOf(path.join(fixtureDir, runner.shapesFile), 'new HtmlResponse(');
    const location = `${runner.shapesFile}:${line}:${column}`;
    const excerpt = excerptOf(text, line);
    for (const shape of runner.shapes) {
      const saved = outcome.saved[runner.shapesFile]?.[shape];
      expect(saved?.allocationSite, shape).toEqual({ location, excerpt });
      expect(madeAt(outcome.tests.get(`${shape} (must fail)`)?.message ?? ''), shape).toEqual([`made at  ${location}`, ...excerpt.map((l) => l.trim())]);
    }
  });

  test.runIf(runner.typescript)('TypeScript allocation site: the line and column of the `new` in the .ts source (mapped), with its excerpt', () => {
    const outcome = outcomeOf(runner);
    const pagesFile = path.join(fixtures, 'ts-sources', 'pages.ts');
    const { line, column, text } = positionOf(pagesFile, '= new HtmlResponse(');
    const newColumn = column + 2; // the `new` after `= `
    const saved = outcome.saved['alloc.test.ts']?.[TS_TEST];
    expect(saved, `alloc.test.ts saved no report\n${context(outcome)}`).toBeDefined();
    expect(saved!.leaked).toBe(true);
    const site = saved!.allocationSite;
    expect(site, saved!.formatted).toBeDefined();
    const suffix = `:${line}:${newColumn}`;
    expect(site!.location.endsWith(`ts-sources/pages.ts${suffix}`), `location ${site!.location}, expected …ts-sources/pages.ts${suffix}`).toBe(true);
    // Relative to the runner's working directory (the fixture) when inside it, else absolute: either way, this file.
    expect(path.resolve(fixtureDir, site!.location.slice(0, -suffix.length))).toBe(pagesFile);
    const excerpt = excerptOf(text, line);
    expect(site!.excerpt).toEqual(excerpt);
    expect(madeAt(saved!.formatted)).toEqual([`made at  ${site!.location}`, ...excerpt.map((l) => l.trim())]);
    const message = outcome.tests.get(`${TS_TEST} (must fail)`)?.message ?? '';
    expect(madeAt(message), message).toEqual([`made at  ${site!.location}`, ...excerpt.map((l) => l.trim())]);
    // The leaked page is held by the TypeScript module's `fetched` array.
    expect(saved!.retainerPath).toMatch(TS_PATH);
    expect(heldBy(message)).toHaveLength(1);
    expect(heldBy(message)[0]).toMatch(TS_PATH);
  });
});
