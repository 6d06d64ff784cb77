// Real Jest 30 runs on the fixture projects: workers (-w 2) and in band, trackref's test environment,
// and injectGlobals: false with @jest/globals. Asserts the exact status of every fixture test and
// the key lines of the failure messages.
import { beforeAll, describe, expect, test } from 'vitest';
import { ALL_TESTS, expectMisuseMessages, expectUnawaitedMessages, expectVerdictMessages } from './fixture-expectations';
import { RunResult, describeRun, expectStatuses, messageOf, runJest } from './helpers';

describe('jest-project with 2 workers (-w 2)', () => {
  let result: RunResult;
  beforeAll(async () => {
    result = await runJest('jest-project', ['-w', '2']);
  });

  test('every fixture test has its expected status', () => {
    expectStatuses(result, ALL_TESTS);
    expect(result.code, describeRun(result)).toBe(1);
  });

  test('the two test files ran in two worker processes', () => {
    const files = Object.values(result.records);
    expect(Object.keys(result.records).sort()).toEqual(['misuse.test.js', 'verdicts.test.js']);
    for (const file of files) expect(file.pid).not.toBe(result.pid);
    expect(new Set(files.map((file) => file.pid)).size).toBe(2);
  });

  test('leak reports and errors carry their key lines', () => {
    expectVerdictMessages(result, 'verdicts.test.js');
    expectMisuseMessages(result);
  });

  test('an un-awaited toLeak fails its test with a message saying to await it', () => {
    expectUnawaitedMessages(result);
  });

  test('messages are plain text when colour is off', () => {
    expect(messageOf(result, 'leak is reported (must fail)')).not.toMatch(/\u001b\[/);
    expect(result.stderr).not.toMatch(/\u001b\[3\dm/);
  });
});

describe('jest-project in band (--runInBand)', () => {
  let result: RunResult;
  beforeAll(async () => {
    result = await runJest('jest-project', ['--runInBand']);
  });

  test('every fixture test has its expected status', () => {
    expectStatuses(result, ALL_TESTS);
  });

  test('both test files ran in the Jest process itself', () => {
    expect(Object.keys(result.records).sort()).toEqual(['misuse.test.js', 'verdicts.test.js']);
    for (const file of Object.values(result.records)) expect(file.pid).toBe(result.pid);
  });

  test('leak reports and errors carry their key lines', () => {
    expectVerdictMessages(result, 'verdicts.test.js');
    expectMisuseMessages(result);
    expectUnawaitedMessages(result);
  });
});

describe("testEnvironment: 'trackref/jest/environment'", () => {
  let result: RunResult;
  beforeAll(async () => {
    result = await runJest('jest-environment', ['--runInBand']);
  });

  test('gc is a global in tests (no --expose-gc), and toLeak works', () => {
    expectStatuses(result, [
      'gc is a global function in the test context',
      'gc() lets a WeakRef target be collected',
      'clean function passes',
      'leak is reported (must fail)',
    ]);
    const leak = messageOf(result, 'leak is reported (must fail)');
    expect(leak).toContain('expect(fn).not.toLeak(HtmlResponse)');
    expect(leak).toMatch(/^\s*HtmlResponse\s+\d+\s+\d+\s+\+1\b/m);
    expect(leak).toContain('http://nasty.example/environment');
  });
});

describe('injectGlobals: false with @jest/globals', () => {
  let result: RunResult;
  beforeAll(async () => {
    result = await runJest('jest-no-globals', ['--runInBand']);
  });

  test('toLeak is registered on the @jest/globals expect, and un-awaited checks fail', () => {
    expectStatuses(result, ['globals are not injected', 'clean function passes', 'leak is reported (must fail)', 'un-awaited › not awaited (must fail)']);
    const leak = messageOf(result, 'leak is reported (must fail)');
    expect(leak).toContain('expect(fn).not.toLeak(HtmlResponse)');
    expect(leak).toMatch(/^\s*HtmlResponse\s+\d+\s+\d+\s+\+1\b/m);
    const unawaited = messageOf(result, 'un-awaited › not awaited (must fail)');
    expect(unawaited).toContain('was not awaited');
    expect(unawaited).toContain('await expect(fn).not.toLeak(HtmlResponse)');
  });
});
