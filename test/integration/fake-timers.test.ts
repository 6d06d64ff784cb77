// A real Jest run of test/fixtures/fake-timers: checks in tests that install fake timers. A new
// user's checks under sinon.useFakeTimers() hung until the test's timeout (trackref waited with
// timer functions sinon had replaced on `node:timers` too, and read the stopped Date), and a check cut
// short by its test's timeout left its constructor breakpoint set: every later check on that class
// failed with `Inspector error -32000: Breakpoint at specified location already exists`.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { rmSync } from 'node:fs';
import { RunResult, describeRun, expectStatuses, messageOf, runJest, tempDir } from './helpers';

const TESTS = [
  'sinon-style fake timers, installed for each test › a clean check passes',
  'sinon-style fake timers, installed for each test › a leaking check fails with its report (must fail)',
  'a check its test timeout cuts short (must fail)',
  'a clean check on the same class afterwards passes',
  "fn awaiting a timer under Jest's fake timers: the error says fake timers are installed (must fail)",
];

const work = tempDir('fake-timers');
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('jest: checks under fake timers', () => {
  let result: RunResult;
  beforeAll(async () => {
    result = await runJest('fake-timers', ['--runInBand']);
  });

  test('each test has its expected status: nothing hangs, and a check cut short does not break the next', () => {
    expectStatuses(result, TESTS);
  });

  test('the leaking check under fake timers has its report', () => {
    expect(messageOf(result, TESTS[1]!), describeRun(result)).toMatch(/Expected no new live instances after 1 run and garbage collection, but Page grew/);
  });

  test('the check cut short says so, and the next check has no inspector error', () => {
    expect(messageOf(result, TESTS[2]!), describeRun(result)).toContain("did not finish within the test's timeout of 1000 ms");
    expect(`${result.stdout}\n${result.stderr}`).not.toContain('Breakpoint at specified location already exists');
  });

  test('fn that awaits a faked timer: the error names the fake timers', () => {
    expect(messageOf(result, TESTS[4]!), describeRun(result)).toContain('Fake timers are installed');
  });
});
