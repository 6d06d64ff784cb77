// Work that only adds to a failing report (two more runs after the verdict, a traced run for
// allocation sites, the retainer paths' heap snapshot) is skipped when the test running the check has too little time left, and the
// report says so; with time to spare it is done. The time left comes from a check control, as the
// matcher passes it from the runner's adapter (test/integration/check-timeout.test.ts checks that
// Jest's and Vitest's adapters give it).
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';

const require = createRequire(import.meta.url);
const dist = path.resolve(import.meta.dirname, '../../dist/cjs');
const { ObjectRef }: typeof import('../../src/index') = require(path.join(dist, 'src/index.js'));
const { runCheck }: typeof import('../../src/check') = require(path.join(dist, 'src/check.js'));

class Page extends ObjectRef {}
class Job extends ObjectRef {}
const keptPages: Page[] = [];
const keptMaps: Array<Map<string, number>> = [];

const withTimeLeft = (ms: number) => ({ abandoned: () => false, remainingMs: () => ms });
/** Time to spare until the retainer paths' snapshot has begun, then only `ms` left. */
const withTimeLeftAfterPaths = (ms: number) => {
  let snapshotBegun = false;
  return {
    abandoned: () => false,
    remainingMs: () => (snapshotBegun ? ms : 60_000),
    step: (what: string) => {
      if (what.includes('heap snapshot')) snapshotBegun = true;
    },
  };
};

describe('a failing check near its test timeout', () => {
  test('skips the two extra runs after the verdict, and says so', async () => {
    let calls = 0;
    const report = await runCheck(() => {
      calls++;
      keptPages.push(new Page());
    }, Page, undefined, withTimeLeftAfterPaths(500));
    expect(report.leaked, report.format()).toBe(true);
    expect(report.rows[0]!.oldest[0]!.retainerPath, report.format()).toMatch(/keptPages/);
    expect(report.skippedForTime?.parts, report.format()).toEqual(['2 more runs after the verdict (to see whether the count keeps growing)']);
    expect(report.rows[0]!.moreRuns).toBeUndefined();
    expect(calls, 'warm-up, births, heap: no extra runs').toBe(3);
    expect(report.calls).toBe(3);
    expect(report.format()).toContain("Skipped, with 0.5 s left before the test's timeout: 2 more runs after the verdict (to see whether the count keeps growing). A longer test timeout gives them.");
    keptPages.length = 0;
  }, 60_000);

  test('skips the retainer paths when their heap snapshot would outlast the test, and says so and how much longer the timeout must be', async () => {
    const report = await runCheck(() => {
      keptPages.push(new Page());
    }, Page, undefined, withTimeLeft(400));
    expect(report.leaked, report.format()).toBe(true);
    const instance = report.rows[0]!.oldest[0]!;
    expect(instance.retainerPath, report.format()).toBeUndefined();
    expect(instance.whyNoRetainerPath, report.format()).toMatch(/^not looked up: a heap snapshot takes about \d+\.\d s here, and the test had 0\.4 s left$/);
    expect(report.skippedForTime?.parts, report.format()).toContainEqual(expect.stringMatching(/^the retainer paths \(a heap snapshot: about \d+\.\d s here\)\. Without them, the new instances are not told apart from objects held only by holders that let go by themselves/));
    expect(report.format()).toMatch(/A test timeout \d+ s longer or more gives them \(Jest and Vitest: test\(name, fn, ms\), or testTimeout in the config\)\./);
    expect(report.format()).toMatch(/Retainer path not looked up: a heap snapshot takes about/);
    keptPages.length = 0;
  }, 60_000);

  test('with time to spare, makes them', async () => {
    let calls = 0;
    const report = await runCheck(() => {
      calls++;
      keptPages.push(new Page());
    }, Page, undefined, withTimeLeft(60_000));
    expect(report.leaked, report.format()).toBe(true);
    expect(report.skippedForTime).toBeUndefined();
    expect(report.rows[0]!.moreRuns).toEqual([1, 2, 3]);
    expect(calls).toBe(5);
    expect(report.format()).not.toContain('Skipped, with');
    keptPages.length = 0;
  }, 60_000);

  test('skips the traced run for objects no constructor hook sees (Map), and says so', async () => {
    const report = await runCheck(() => {
      keptMaps.push(new Map([['n', keptMaps.length]]));
    }, Map, undefined, withTimeLeftAfterPaths(300));
    expect(report.leaked, report.format()).toBe(true);
    expect(report.traced).toBeUndefined();
    expect(report.skippedForTime?.parts, report.format()).toContain("a traced run (V8's allocation tracking, for the allocation sites of objects no constructor hook sees)");
    keptMaps.length = 0;
  }, 60_000);

  test('with time to spare, makes the traced run, and no extra runs in it', async () => {
    let calls = 0;
    const report = await runCheck(() => {
      calls++;
      keptMaps.push(new Map([['n', keptMaps.length]]));
    }, Map, undefined, withTimeLeft(60_000));
    expect(report.leaked, report.format()).toBe(true);
    expect(report.traced, report.format()).toMatchObject({ runs: 1, reported: true });
    expect(report.skippedForTime).toBeUndefined();
    // warm-up, births, heap, 2 extra runs, then the traced run (which makes no extra runs of its own)
    expect(calls, report.format()).toBe(report.calls);
    expect(report.calls, report.format()).toBeLessThanOrEqual(6);
    keptMaps.length = 0;
  }, 60_000);

  test('does not start a wait for holders that let go by themselves when the test has too little time left for it: it says so, and what to raise', async () => {
    const check = runCheck(() => {
      const job = new Job();
      setTimeout(() => void job, 3_000);
    }, Job, undefined, withTimeLeftAfterPaths(1_500));
    await expect(check).rejects.toThrow(
      /could not decide within the test's timeout: the new instances are held only by a timeout due in \d\.\d s, which trackref waits for \(up to \d\.\d s\) before calling them a leak, but the test had 1\.5 s left\. Raise the test's timeout by \d+ s or more/,
    );
  }, 60_000);

  test('with time for the wait, waits and passes', async () => {
    const report = await runCheck(() => {
      const job = new Job();
      setTimeout(() => void job, 1_000);
    }, Job, undefined, withTimeLeft(60_000));
    expect(report.leaked, report.format()).toBe(false);
    expect(report.selfRelease?.released, report.format()).toBe(true);
  }, 60_000);

  test('hands its report to the caller as soon as the verdict is final, before the extra runs', async () => {
    const events: string[] = [];
    const report = await runCheck(() => {
      events.push('call');
      keptPages.push(new Page());
    }, Page, undefined, { ...withTimeLeft(60_000), decided: (found) => events.push(`decided ${found.leaked} ${found.rows[0]!.oldest[0]!.retainerPath}`) });
    expect(events, report.format()).toEqual(['call', 'call', 'call', expect.stringMatching(/^decided true keptPages\[\d+\]$/), 'call', 'call']);
    keptPages.length = 0;
  }, 60_000);

  test('a fn too slow for a traced run: the report says why objects without a constructor have no made-at line', async () => {
    const report = await runCheck(async () => {
      keptMaps.push(new Map([['n', keptMaps.length]]));
      await new Promise((resolve) => setTimeout(resolve, 150));
    }, Map, undefined, withTimeLeft(60_000));
    expect(report.leaked, report.format()).toBe(true);
    expect(report.traced).toBeUndefined();
    expect(report.noTracedRun?.lastCallMs, report.format()).toBeGreaterThanOrEqual(100);
    expect(report.format()).toMatch(/No `made at` for objects without a JavaScript constructor: .* not done here because a call of fn took \d+ ms/);
    keptMaps.length = 0;
  }, 60_000);
});
