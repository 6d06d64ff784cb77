// The per-test leak guard under real Jest runs of test/fixtures/guard-jest: turned on by trackref's
// test environment (two workers, with the CI reporter and a JSON report), by guardLeaks() in a setup
// file on Jest's own environment (gc obtained inside the test file's vm context), and with check:
// 'end-of-file'. Both ways judge clean young tests by a scavenge (tests/minor-first.test.js). Also
// un-awaited toLeak and growth mode, which the fixture exercises alongside.
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
import { RunResult, describeRun, expectStatuses, runJest, tempDir } from './helpers';

const ALL = [...GUARD_TESTS, ...CONCURRENT_TESTS.jest, ...RETRY_TESTS, ...SECOND_TESTS, ...UNAWAITED_TESTS.jest, ...GROWTH_TESTS, ...MINOR_FIRST_TESTS];

describe('guard through the test environment, two workers, CI reporter', () => {
  let work: string;
  let reportFile: string;
  let result: RunResult;
  beforeAll(async () => {
    work = tempDir('guard-jest');
    reportFile = path.join(work, 'reports', 'leaks.json');
    result = await runJest('guard-jest', ['--maxWorkers=2', '--reporters=default', '--reporters=trackref/jest/reporter'], { env: { TRACKREF_REPORT: reportFile } });
  });
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('leaking tests fail, clean ones pass, failing tests keep their own error, retries and opt-outs work', () => {
    expectStatuses(result, ALL);
    expect(result.code, describeRun(result)).toBe(1);
  });

  test('a leaking test fails with the standard leak report naming it', () => {
    expectGuardMessages(result, 'js');
  });

  test('an un-awaited toLeak fails its test with the await fix', () => {
    expectUnawaitedGuardMessages(result, UNAWAITED_TESTS.jest);
  });

  test('growth mode: the series after every run, and the every-run rule', () => {
    expectGrowthMessages(result);
  });

  test('the JSON report lists every leak of both workers', () => {
    expectCiReport(readCiReport(reportFile, result), 'jest', 'js', CONCURRENT_TESTS.jest);
  });

  test('the reporter prints a summary of the leaking tests', () => {
    expectSummary(result.stderr, reportFile);
  });
});

describe("guardLeaks() in a setup file, Jest's own node environment", () => {
  let result: RunResult;
  beforeAll(async () => {
    result = await runJest('guard-jest', ['--config', 'jest.setup-file.config.cjs', 'tests/guard.test.js', 'tests/retry.test.js', 'tests/minor-first.test.js']);
  });

  test('the same verdicts as through the environment', () => {
    expectStatuses(result, [...GUARD_TESTS, ...CONCURRENT_TESTS.jest, ...RETRY_TESTS, ...MINOR_FIRST_TESTS]);
    expect(result.tests.get('crawler › nested › leaky test (must fail)')?.message).toContain('leak guard: "crawler > nested > leaky test (must fail)"');
  });
});

describe("check: 'end-of-file'", () => {
  let result: RunResult;
  beforeAll(async () => {
    result = await runJest('guard-jest', ['tests/guard.test.js', 'tests/retry.test.js'], { env: { GUARD_CHECK: 'end-of-file' } });
  });

  test('leaking tests are failed when their file ends, each with its own report', () => {
    expectStatuses(result, [...GUARD_TESTS, ...CONCURRENT_TESTS.jest, ...RETRY_TESTS]);
    expectGuardMessages(result, 'js', { secondFile: false });
  });
});

describe('misconfiguration', () => {
  let result: RunResult;
  beforeAll(async () => {
    result = await runJest('guard-jest', ['--config', 'jest.no-setup.config.cjs', 'tests/second.test.js']);
  });

  test("the environment's guard without trackref's setup file says what to add", () => {
    const output = result.stdout + result.stderr + JSON.stringify(result.json.testResults.map((file) => file.message));
    expect(output, describeRun(result)).toContain("setupFilesAfterEnv: ['trackref/jest']");
    expect(result.code).toBe(1);
  });
});
