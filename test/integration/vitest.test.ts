// Real Vitest 4 runs on the fixture projects, in each pool (forks, threads, vmThreads, vmForks).
// Asserts the exact status of every fixture test and the key lines of the failure messages, and
// records what Vitest itself does with an un-awaited async matcher.
import { cpSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ALL_TESTS, UNAWAITED_TESTS, expectMisuseMessages, expectUnawaitedMessages, expectVerdictMessages } from './fixture-expectations';
import { RunResult, describeRun, expectStatuses, expectedStatuses, fixtures, repo, runVitest, statuses, tempDir } from './helpers';

const POOLS = [
  // [pool, test files run in worker threads?]
  ['forks', false],
  ['threads', true],
  ['vmThreads', true],
  ['vmForks', false],
] as const;

describe.each(POOLS)('vitest-project, pool %s', (pool, inThreads) => {
  let result: RunResult;
  beforeAll(async () => {
    result = await runVitest('vitest-project', [`--pool=${pool}`]);
  });

  test('every fixture test has its expected status (un-awaited ones: see below)', () => {
    const all = statuses(result);
    expect(Object.keys(all).sort(), describeRun(result)).toEqual([...ALL_TESTS].sort());
    const expected = expectedStatuses(ALL_TESTS);
    for (const name of UNAWAITED_TESTS) {
      delete all[name];
      delete expected[name];
    }
    expect(all, describeRun(result)).toEqual(expected);
    expect(result.code, describeRun(result)).toBe(1);
  });

  test(`test files ran in ${inThreads ? 'worker threads' : 'child processes'}`, () => {
    expect(Object.keys(result.records).sort()).toEqual(['misuse.test.mjs', 'verdicts.test.mjs']);
    for (const file of Object.values(result.records)) {
      expect(file.isMainThread).toBe(!inThreads);
      if (!inThreads) expect(file.pid).not.toBe(result.pid);
    }
  });

  test('leak reports and errors carry their key lines', () => {
    expectVerdictMessages(result, 'verdicts.test.mjs');
    expectMisuseMessages(result);
  });

  // Regression test: with trackref linked (node_modules/trackref -> the repo, as with
  // `npm install <dir>`, `npm link` or a workspace), Vitest runs the trackref/vitest setup file
  // through its own module runner, which once gave that file a second copy of the core's
  // pending-check module: its afterEach hook looked in the wrong copy and un-awaited checks passed.
  // The test below runs the same fixture with trackref installed as a copy.
  test('an un-awaited toLeak fails its test with a message saying to await it (trackref linked)', () => {
    for (const name of UNAWAITED_TESTS) expect(result.tests.get(name)?.status, name).toBe('failed');
    expectUnawaitedMessages(result);
    // The abandoned check's own verdict does not surface later as an unhandled error.
    expect(result.stdout + result.stderr).not.toMatch(/Unhandled (Rejection|Error)/);
  });
});

describe('vitest-project with trackref installed as a copy (as from the registry)', () => {
  let project: string;
  let result: RunResult;
  beforeAll(async () => {
    project = tempDir('vitest-installed');
    cpSync(path.join(fixtures, 'vitest-project', 'tests'), path.join(project, 'tests'), { recursive: true });
    const installed = path.join(project, 'node_modules', 'trackref');
    mkdirSync(installed, { recursive: true });
    for (const entry of ['package.json', 'dist', 'bin']) cpSync(path.join(repo, entry), path.join(installed, entry), { recursive: true });
    symlinkSync(path.join(repo, 'node_modules', 'vitest'), path.join(project, 'node_modules', 'vitest'), 'dir');
    writeFileSync(
      path.join(project, 'vitest.config.mjs'),
      [
        "import { defineConfig } from 'vitest/config';",
        "import { withTrackref } from 'trackref/vitest/config';",
        "export default defineConfig(withTrackref({ test: { include: ['tests/*.test.mjs'], testTimeout: 30000 } }));",
        '',
      ].join('\n'),
    );
    result = await runVitest(project, ['--pool=threads']);
  });
  afterAll(() => {
    if (project) rmSync(project, { recursive: true, force: true });
  });

  test('every fixture test has its expected status', () => {
    expectStatuses(result, ALL_TESTS);
  });

  test('an un-awaited toLeak fails its test with a message saying to await it', () => {
    expectUnawaitedMessages(result);
  });

  test('leak reports carry their key lines', () => {
    expectVerdictMessages(result, 'verdicts.test.mjs');
  });
});

describe('what Vitest itself does with an un-awaited async matcher (no trackref)', () => {
  let result: RunResult;
  beforeAll(async () => {
    result = await runVitest('vitest-unawaited', ['--pool=forks']);
  });

  // Observed with Vitest 4.1.12: a custom matcher registered with expect.extend that returns a
  // promise is neither awaited nor reported as un-awaited (Vitest only tracks its own async
  // assertions, e.g. .resolves/.rejects). The test passes; the matcher's later failure surfaces as
  // an "Unhandled Rejection" blamed on whichever test is running then (the run exits 1), or is lost
  // entirely when the file has finished first (that run exits 0). This is why trackref/vitest
  // fails a test whose toLeak is still running when the test ends.
  test('the test passes, with no warning; a later failure is an unhandled error or is lost', () => {
    expect(statuses(result), describeRun(result)).toEqual({
      'un-awaited custom async matcher': 'passed',
      'a later test that outlives it': 'passed',
      'un-awaited custom async matcher, last test of its file': 'passed',
    });
    const output = result.stdout + result.stderr;
    expect(output).not.toContain('was not awaited');
    expect(output).toContain('Unhandled Rejection');
    expect(output).toContain('toFailLater failed for value');
    // The failure of the matcher in the file that ended first is never reported.
    expect(output).not.toContain('toFailLater failed for last');
    expect(result.code).toBe(1);
  });
});
