// Real Jest and Vitest runs of test/fixtures/check-timeout: an awaited toLeak that needs longer than
// the runner's test timeout fails with a message about time (how long it ran, which timeout to
// raise), not "not awaited", and fn is not called again once the test's timeout has fired, even
// while the suite's own afterEach hook (which "closes the server") runs before trackref's. The
// fixture records every call of fn in a file.
import { readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RunResult, describeRun, expectStatuses, messageOf, runJest, runVitest, tempDir } from './helpers';

const TESTS = [
  'a suite that closes its server after each test › an awaited check longer than the test timeout (must fail)',
  'the next test waits while a leftover check could go on',
  'an un-awaited check is still reported as not awaited (must fail)',
  'a check sees how long its test has left',
  'a check whose verdict is in when the test times out still shows its report (must fail)',
];

interface CallEvent {
  event: string;
  at: number;
}

function readEvents(file: string): CallEvent[] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as CallEvent);
}

const work = tempDir('check-timeout');
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.each([
  ['jest', 'test(name, fn, ', 'testTimeout: ', 'in the Jest config'],
  ['vitest', 'test(name, fn, ', 'testTimeout: ', 'in the Vitest config'],
] as const)('%s: a check longer than the test timeout', (runner, perTest, option, config) => {
  let result: RunResult;
  let events: CallEvent[];
  beforeAll(async () => {
    const callsFile = path.join(work, `${runner}-calls.jsonl`);
    const env = { TRACKREF_CALLS_FILE: callsFile };
    result = runner === 'jest' ? await runJest('check-timeout', ['--runInBand'], { env }) : await runVitest('check-timeout', [], { env });
    events = readEvents(callsFile);
  });

  test('each test has its expected status', () => {
    expectStatuses(result, TESTS);
  });

  test.skipIf(runner !== 'jest')("a check its test abandoned, with a call of fn still pending, does not keep Jest's process alive", () => {
    // Its per-call timeout timer (90 s here) kept Jest from exiting for 45 s after the run.
    expect(`${result.stdout}\n${result.stderr}`, describeRun(result)).not.toContain('did not exit one second after the test run');
  });

  test('the awaited check fails with a message about time, naming the timeouts to raise', () => {
    const message = messageOf(result, TESTS[0]!);
    const context = `${message}\n${describeRun(result)}`;
    expect(message, context).not.toContain('was not awaited');
    expect(message, context).toMatch(
      /expect\(fn\)\.not\.toLeak\(Page, options\) did not finish within the test's timeout of 1000 ms: the check had run \d+\.\d s when it saw the test end, (during|after) (warm-up call 1 of 1|run \d of 5)(, collecting garbage and counting)? \(\d+ calls? of fn begun\)/,
    );
    expect(message, context).toMatch(/Its calls of fn took \d+\.\d s in all; the rest went to garbage collections, heap counts/);
    expect(message, context).toContain('fn is not called again');
    expect(message, context).toContain('This check calls fn 1 + 5 times (warm-up + runs), and up to 20 more when counting births suspects a leak');
    expect(message, context).toContain('give the test about 26 times the duration of one call of fn');
    expect(message, context).toContain(perTest);
    expect(message, context).toContain(option);
    expect(message, context).toContain(config);
    expect(message, context).toContain("trackref's own timeout option (here 4000 ms)");
  });

  test('fn is not called after the test timed out, while the suite closes its server', () => {
    const closed = events.findIndex((event) => event.event === 'server closed');
    const context = `${JSON.stringify(events, null, 1)}\n${describeRun(result)}`;
    expect(closed, `the fixture's afterEach hook did not run\n${context}`).toBeGreaterThan(0);
    expect(events.slice(0, closed).filter((event) => event.event === 'call start').length, context).toBeGreaterThanOrEqual(2);
    const lateStarts = events.slice(closed).filter((event) => event.event === 'call start');
    expect(lateStarts, `fn was called after the test's timeout fired\n${context}`).toEqual([]);
  });

  test("a check sees its test's time left, from the runner's own test start and timeout", () => {
    const clock = events.find((event) => event.event === 'time left') as (CallEvent & { first?: number; second?: number }) | undefined;
    expect(clock, `the fixture's clock test did not run\n${describeRun(result)}`).toBeDefined();
    expect(clock!.first).toBeGreaterThan(0);
    expect(clock!.first).toBeLessThanOrEqual(8000);
    expect(clock!.first! - clock!.second!).toBeGreaterThanOrEqual(250);
  });

  test('a check that found its leak before the test timed out shows the report with the message about time', () => {
    const message = messageOf(result, TESTS[4]!);
    const context = `${message}\n${describeRun(result)}`;
    const skipped = /Skipped, with (\d+\.\d) s left before the test's timeout/.exec(message);
    expect(skipped?.[0], `the machine was too busy for this test: the check reached its verdict ${skipped?.[1]} s before the fixture test's 15 s timeout, so its extra runs were skipped\n${context}`).toBeUndefined();
    expect(message, context).toContain("did not finish within the test's timeout of 15000 ms");
    expect(message, context).toContain('during extra run 1 of 2');
    expect(message, context).toContain('It had found a leak before the test ended; its report, as it stood then:');
    expect(message, context).toContain('Expected no new live instances after 1 run and garbage collection, but Page grew.');
    expect(message, context).toMatch(/held by {2}keptPages\[\d+\]/);
    expect(message, context).not.toContain('times the duration of one call of fn');
  });

  test('an un-awaited check is still reported as not awaited', () => {
    const message = messageOf(result, TESTS[2]!);
    expect(message, describeRun(result)).toContain('expect(fn).not.toLeak(Page) was not awaited');
    expect(message).not.toContain('did not finish within');
  });
});
