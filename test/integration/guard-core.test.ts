// The leak guard's core and the CI report, in this process (no runner spawned): what the Jest and
// Vitest adapters call, with real objects and real garbage collection. The built CommonJS modules are
// loaded with one `require`, so the guard and ObjectRef share one registry. Also the validation of
// the guard's, the environment's, the reporters' and toLeak's growth options.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';

const require = createRequire(import.meta.url);
const dist = path.resolve(import.meta.dirname, '../../dist/cjs');
type Core = typeof import('../../src/index');
type GuardModule = typeof import('../../src/guard');
type RunModule = typeof import('../../src/ci-report-run');
type EnvironmentModule = typeof import('../../jest/environment');
const { ObjectRef, checkLeaks }: Core = require(path.join(dist, 'src/index.js'));
const { LeakGuard, allowLeaks, parseGuardOptions }: GuardModule = require(path.join(dist, 'src/guard.js'));
const { CiReportRun, parseReporterOptions, shardFile }: RunModule = require(path.join(dist, 'src/ci-report-run.js'));

class Page extends ObjectRef {
  constructor(readonly url: string) {
    super();
  }
}
class Spider extends ObjectRef {}
class SpecialSpider extends Spider {}

const kept: object[] = [];
const work = mkdtempSync(path.join(tmpdir(), 'trackref-guard-core-'));
// Set before the first guard record is written: this process's parts go to the run's directory.
const run = new CiReportRun({ outputFile: path.join(work, 'leaks.json'), summary: true });

afterAll(() => rmSync(work, { recursive: true, force: true }));

function make(count: number, keep: boolean): void {
  for (let i = 0; i < count; i++) {
    const page = new Page(`http://example.com/${i}`);
    if (keep) kept.push(page);
  }
}

describe('LeakGuard', () => {
  const guard = new LeakGuard({ ignore: ['Spider'] });

  test('a test whose objects are all garbage passes', async () => {
    const window = guard.begin({ name: 'clean', file: path.join(process.cwd(), 'a.test.ts') });
    make(20, false);
    await expect(guard.end(window, true)).resolves.toBeUndefined();
  });

  test('a test that keeps an object fails with the leak report naming it', async () => {
    const window = guard.begin({ name: 'suite > leaky', file: path.join(process.cwd(), 'a.test.ts') });
    make(2, true);
    const error = await guard.end(window, true, '    at a.test.ts:1:1');
    expect(error?.name).toBe('LeakGuardError');
    expect(error?.message).toContain('leak guard: "suite > leaky" left objects alive after it passed');
    expect(error?.message).toMatch(/^\s*Page\s+0\s+2\s+\+2\s/m);
    expect(error?.message).toMatch(/held by .*kept\[0\]/);
    expect(error?.stack).toMatch(/\n {4}at a\.test\.ts:1:1$/);
    const row = error!.report.rows[0]!;
    expect(row).toMatchObject({ className: 'Page', before: 0, after: 2, leaked: 2, leaking: true });
    expect(row.oldest[0]!.allocationSite?.location).toMatch(/guard-core\.test\.ts:\d+:\d+$/);
  }, 180_000);

  test('objects from before the test are never blamed on it', async () => {
    const window = guard.begin({ name: 'later', file: 'a.test.ts' });
    make(3, false);
    await expect(guard.end(window, true)).resolves.toBeUndefined();
  });

  test('a failed test is not checked', async () => {
    const window = guard.begin({ name: 'failed', file: 'a.test.ts' });
    make(1, true);
    await expect(guard.end(window, false)).resolves.toBeUndefined();
  });

  test('ignored classes (by name, with subclasses) are not blamed', async () => {
    const window = guard.begin({ name: 'ignored', file: 'a.test.ts' });
    kept.push(new Spider(), new SpecialSpider());
    await expect(guard.end(window, true)).resolves.toBeUndefined();
  });

  test('allowLeaks() skips the running test', async () => {
    const window = guard.begin({ name: 'allowed', file: 'a.test.ts' });
    allowLeaks('keeps a page on purpose');
    make(1, true);
    await expect(guard.end(window, true)).resolves.toBeUndefined();
  });

  test('allowLeaks() needs a reason, and a running test', () => {
    expect(() => allowLeaks('')).toThrow(/needs the reason this test may keep objects alive/);
    expect(() => allowLeaks('why')).toThrow(/must be called inside a test/);
  });

  test('overlapping tests and concurrent ones are not checked', async () => {
    const first = guard.begin({ name: 'overlap 1', file: 'a.test.ts' });
    const second = guard.begin({ name: 'overlap 2', file: 'a.test.ts' });
    make(1, true);
    await expect(guard.end(first, true)).resolves.toBeUndefined();
    await expect(guard.end(second, true)).resolves.toBeUndefined();
    const concurrent = guard.begin({ name: 'concurrent', file: 'a.test.ts', concurrent: true });
    make(1, true);
    await expect(guard.end(concurrent, true)).resolves.toBeUndefined();
  });

  test("check: 'end-of-file' keeps passed tests and judges them together", async () => {
    const fileGuard = new LeakGuard({ check: 'end-of-file' });
    const clean = fileGuard.begin({ name: 'file clean', file: 'b.test.ts' });
    make(5, false);
    await expect(fileGuard.end(clean, true)).resolves.toBeUndefined();
    const leaky = fileGuard.begin({ name: 'file leaky', file: 'b.test.ts' });
    make(1, true);
    await expect(fileGuard.end(leaky, true)).resolves.toBeUndefined();
    // A check between the test and the end of the file captures sites of its own meanwhile.
    await checkLeaks(() => make(3, false), Page);
    const failures = await fileGuard.settlePending();
    expect(failures.map((failure) => failure.window.test.name)).toEqual(['file leaky']);
    expect(failures[0]!.error.message).toContain('leak guard: "file leaky"');
    // Where the test made it, though capture stopped (and restarted) after the test ended.
    expect(failures[0]!.error.report.rows[0]!.oldest[0]!.allocationSite?.location).toMatch(/guard-core\.test\.ts:38:\d+$/);
    fileGuard.flush();
    guard.flush();
  }, 180_000);

  test('the CI report merges what was recorded, and the summary names the leaking tests', () => {
    const finished = run.finish('vitest', undefined);
    expect(finished.file).toBe(path.join(work, 'leaks.json'));
    const report = JSON.parse(readFileSync(finished.file!, 'utf8'));
    expect(report).toMatchObject({ trackref: 1, runner: 'vitest', shard: null, workers: 1 });
    expect(report.leakingTests.map((t: { test: string }) => t.test).sort()).toEqual(['file leaky', 'suite > leaky']);
    const leak = report.leaks.find((l: { test: string }) => l.test === 'suite > leaky');
    expect(leak).toMatchObject({ file: 'a.test.ts', class: 'Page', count: 2 });
    expect(leak.retainerPath).toMatch(/kept\[0\]/);
    expect(report.skipped.map((s: { reason: string }) => s.reason.split(':')[0]).sort()).toEqual([
      'allowLeaks',
      'overlapped another test (concurrent tests)',
      'overlapped another test (concurrent tests)',
      'runs concurrently (test.concurrent)',
    ]);
    expect(finished.summary).toContain('trackref leak guard: 2 tests of');
    expect(finished.summary).toMatch(/suite > leaky: Page \+2 \(held by .*kept\[0\]\)/);
    // The run's parts were consumed.
    expect(readdirSync(work)).toEqual(['leaks.json']);
  });
});

describe('options are checked, with a message saying what to pass', () => {
  test('guardLeaks()', () => {
    expect(() => parseGuardOptions({ ignroe: ['Spider'] })).toThrow(/Unknown option 'ignroe' for guardLeaks\(\)\. Valid options are ignore, check.*allowLeaks\('why'\)/);
    expect(() => parseGuardOptions({ check: 'always' })).toThrow(/must be 'each-test' \(the default.*or 'end-of-file'/);
    expect(() => parseGuardOptions({ ignore: 42 })).toThrow(/must be a class or a class name/);
    expect(() => parseGuardOptions('Spider')).toThrow(/takes options like \{ ignore: \[Spider\] \}/);
    expect(parseGuardOptions({ ignore: ['Spider'], check: 'end-of-file' })).toEqual({ ignore: ['Spider'], check: 'end-of-file' });
    expect(parseGuardOptions({ ignore: [] })).toEqual({ ignore: [] });
  });

  test('testEnvironmentOptions.trackref', () => {
    const { parseEnvironmentOptions }: EnvironmentModule = require(path.join(dist, 'jest/environment.js'));
    expect(parseEnvironmentOptions(undefined)).toBeUndefined();
    expect(parseEnvironmentOptions({ guard: false, ignore: ['Spider'] })).toBeUndefined();
    expect(parseEnvironmentOptions({ guard: true, ignore: ['Spider'] })).toEqual({ ignore: ['Spider'] });
    expect(() => parseEnvironmentOptions({ guard: 'yes' })).toThrow(/guard must be true or false/);
    expect(() => parseEnvironmentOptions(true)).toThrow(/must be an object like \{ guard: true, ignore: \['Spider'\] \}/);
  });

  test('the reporters', () => {
    expect(() => parseReporterOptions({ output: 'x.json' }, 'trackref/jest/reporter')).toThrow(/Valid options are outputFile .* and summary/);
    expect(() => parseReporterOptions({ outputFile: 3 }, 'trackref/vitest/reporter')).toThrow(/outputFile must be a file path/);
    expect(shardFile('/ci/leaks.json', { index: 2, count: 3 })).toBe('/ci/leaks.shard-2-of-3.json');
  });

  test("toLeak's growth option", async () => {
    await expect(checkLeaks(() => {}, Page, { growth: 'always' as never })).rejects.toThrow(/Option growth must be 'any' .* or 'every-run'.*Pass e\.g\. \{ runs: 3, growth: 'every-run' \}/);
    await expect(checkLeaks(() => {}, Page, { growth: 'every-run' })).rejects.toThrow(/needs runs >= 2, but runs is 1/);
  });
});

describe("growth: 'every-run'", () => {
  /** Not tracked: counted on the heap before and after the measured runs, with no birth counting first. */
  class PlainEntry {}
  // Holds at most 2 entries: fills up, then stops growing.
  const bounded = <T>(make: () => T): (() => void) => {
    const entries: T[] = [];
    return () => {
      entries.push(make());
      if (entries.length > 2) entries.shift();
    };
  };

  test('a bounded cache that fills and stops leaks by the default rule, not by every-run', async () => {
    const byDefault = await checkLeaks(bounded(() => new PlainEntry()), PlainEntry, { warmup: 0, runs: 4 });
    expect(byDefault.leaked).toBe(true);
    expect(byDefault.rows[0]!.perRun).toEqual([1, 2, 2, 2]);
    const everyRun = await checkLeaks(bounded(() => new PlainEntry()), PlainEntry, { warmup: 0, runs: 4, growth: 'every-run' });
    expect(everyRun.leaked).toBe(false);
    const tracked = await checkLeaks(bounded(() => new Page('cached')), Page, { warmup: 0, runs: 4, growth: 'every-run' });
    expect(tracked.leaked).toBe(false);
  }, 180_000);

  test('growth on every run still leaks, and the report shows the series', async () => {
    const unbounded: Page[] = [];
    const report = await checkLeaks(() => unbounded.push(new Page('kept')), Page, { warmup: 0, runs: 3, growth: 'every-run' });
    expect(report.leaked).toBe(true);
    expect(report.rows[0]!.perRun).toEqual([1, 2, 3]);
    expect(report.format()).toContain('0 → +1 → +2 → +3');
  }, 180_000);
});
