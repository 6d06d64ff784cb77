// The per-test leak guard under real Vitest runs of test/fixtures/guard-vitest (guardLeaks() in a
// setup file): the forks pool with two workers, the CI reporter and a JSON report; the vmThreads
// pool; and check: 'end-of-file'. Also un-awaited toLeak and growth mode, which the fixture
// exercises alongside.
import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  CONCURRENT_TESTS,
  GROWTH_TESTS,
  GUARD_TESTS,
  MINOR_FIRST_TESTS,
  RETRY_TESTS,
  SECOND_TESTS,
  UNAWAITED_TESTS,
  expectCiReport,
  expectGrowthMessages,
  expectGuardMessages,
  expectSummary,
  expectUnawaitedGuardMessages,
  readCiReport,
} from './guard-fixture';
import { RunResult, describeRun, expectStatuses, expectedStatuses, runVitest, statuses, tempDir } from './helpers';

const ALL = [...GUARD_TESTS, ...CONCURRENT_TESTS.vitest, ...RETRY_TESTS, ...SECOND_TESTS, ...UNAWAITED_TESTS.vitest, ...GROWTH_TESTS, ...MINOR_FIRST_TESTS];

describe('forks pool, two workers, CI reporter', () => {
  let work: string;
  let reportFile: string;
  let result: RunResult;
  beforeAll(async () => {
    work = tempDir('guard-vitest');
    reportFile = path.join(work, 'reports', 'leaks.json');
    result = await runVitest('guard-vitest', ['--pool=forks', '--maxWorkers=2', '--reporter=trackref/vitest/reporter'], { env: { TRACKREF_REPORT: reportFile } });
  });
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('leaking tests fail, clean ones pass, failing tests keep their own error, retries and opt-outs work', () => {
    expectStatuses(result, ALL);
    expect(result.code, describeRun(result)).toBe(1);
  });

  test('a leaking test fails with the standard leak report naming it', () => {
    expectGuardMessages(result, 'mjs');
  });

  test('an un-awaited toLeak fails its test with the await fix (Vitest alone lets it pass)', () => {
    expectUnawaitedGuardMessages(result, UNAWAITED_TESTS.vitest);
  });

  test('growth mode: the series after every run, and the every-run rule', () => {
    expectGrowthMessages(result);
  });

  test('the JSON report lists every leak of both workers', () => {
    expectCiReport(readCiReport(reportFile, result), 'vitest', 'mjs', CONCURRENT_TESTS.vitest);
  });

  test('the reporter prints a summary of the leaking tests', () => {
    expectSummary(result.stdout, reportFile);
  });
});

describe('vmThreads pool', () => {
  let result: RunResult;
  beforeAll(async () => {
    result = await runVitest('guard-vitest', ['--pool=vmThreads', 'tests/guard.test.mjs', 'tests/unawaited.test.mjs', 'tests/minor-first.test.mjs']);
  });

  test('the same verdicts and reports as in forks', () => {
    expectStatuses(result, [...GUARD_TESTS, ...CONCURRENT_TESTS.vitest, ...UNAWAITED_TESTS.vitest, ...MINOR_FIRST_TESTS]);
    expectGuardMessages(result, 'mjs', { secondFile: false });
    expectUnawaitedGuardMessages(result, UNAWAITED_TESTS.vitest);
  });
});

describe.each([
  { pool: 'threads', env: { NODE_OPTIONS: '--expose-gc' } },
  { pool: 'vmForks', env: {} },
])('$pool pool: the minor-first path', ({ pool, env }) => {
  let result: RunResult;
  beforeAll(async () => {
    result = await runVitest('guard-vitest', [`--pool=${pool}`, 'tests/minor-first.test.mjs', 'tests/second.test.mjs'], { env });
  });

  test('clean young tests pass by a scavenge, a promoted one by a full collection, and a leak still fails', () => {
    expectStatuses(result, [...MINOR_FIRST_TESTS, ...SECOND_TESTS]);
    expect(result.tests.get('second file leaky test (must fail)')?.message).toMatch(/held by\s+registry\.get\('page'\)/);
  });
});

describe("check: 'end-of-file'", () => {
  let result: RunResult;
  beforeAll(async () => {
    result = await runVitest('guard-vitest', ['--pool=forks', 'tests/guard.test.mjs'], { env: { GUARD_CHECK: 'end-of-file' } });
  });

  test("the file fails when it ends, with each leaking test's report (Vitest cannot fail a test that has finished)", () => {
    const names = [...GUARD_TESTS, ...CONCURRENT_TESTS.vitest];
    const expected = expectedStatuses(names);
    // The tests the guard blames stay passed; the file's afterAll error names them.
    for (const name of ['crawler › nested › leaky test (must fail)', 'beforeEach without cleanup › objects made in beforeEach count toward the test (must fail)', 'test.each leaky (must fail)']) {
      expected[name] = 'passed';
    }
    expect(statuses(result), describeRun(result)).toEqual(expected);
    const fileMessage = result.json.testResults.map((file) => file.message).join('\n');
    expect(fileMessage, describeRun(result)).toContain('leak guard: 3 tests of this file left objects alive');
    expect(fileMessage).toContain('leak guard: "crawler > nested > leaky test (must fail)" left objects alive after it passed');
    expect(fileMessage).toContain('leak guard: "test.each leaky (must fail)"');
    expect(fileMessage).not.toContain('failing test keeps its own error');
    expect(result.code).toBe(1);
  });
});

describe('--shard with one TRACKREF_REPORT path', () => {
  let work: string;
  const results: RunResult[] = [];
  beforeAll(async () => {
    work = tempDir('guard-shard');
    for (const shard of ['1/2', '2/2']) {
      results.push(
        await runVitest('guard-vitest', ['--pool=forks', `--shard=${shard}`, '--reporter=trackref/vitest/reporter', 'tests/second.test.mjs', 'tests/retry.test.mjs'], {
          env: { TRACKREF_REPORT: path.join(work, 'leaks.json') },
        }),
      );
    }
  });
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('each shard writes its own file, and together they list every leak', () => {
    const [first, second] = [1, 2].map((index) => readCiReport(path.join(work, `leaks.shard-${index}-of-2.json`), results[index - 1]!));
    expect(first!.shard).toEqual({ index: 1, count: 2 });
    expect(second!.shard).toEqual({ index: 2, count: 2 });
    const leaking = [...first!.leakingTests, ...second!.leakingTests].map((t) => t.test).sort();
    expect(leaking).toEqual(['leaks on every attempt (must fail)', 'second file leaky test (must fail)']);
  });
});
