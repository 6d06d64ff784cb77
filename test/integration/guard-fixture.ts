// What the guard-jest and guard-vitest fixtures (the same tests, in CommonJS for Jest and ESM for
// Vitest) must produce, and how to read the CI report they write. Not a test file.
import { existsSync, readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { RunResult, describeRun, messageOf } from './helpers';

/** tests/guard.test.* (the concurrent tests differ: see CONCURRENT_TESTS). */
export const GUARD_TESTS = [
  'clean test passes',
  'crawler › nested › leaky test (must fail)',
  'later clean test is not blamed for earlier leaks',
  'failing test keeps its own error (must fail)',
  'ignored class is not blamed',
  'allowLeaks opts one test out',
  'beforeAll › objects made in beforeAll are not blamed',
  'beforeEach › objects made in beforeEach and released in afterEach pass',
  'beforeEach without cleanup › objects made in beforeEach count toward the test (must fail)',
  'test.each clean',
  'test.each leaky (must fail)',
];

export const CONCURRENT_TESTS = {
  jest: ['concurrent tests are not checked'],
  vitest: ['concurrent › concurrent tests are not checked', 'concurrent › another concurrent test is not checked'],
};

export const RETRY_TESTS = ['passes on retry; only its failed first attempt leaked', 'leaks on every attempt (must fail)'];

export const SECOND_TESTS = ['second file skipped test (skipped)', 'second file todo test (todo)', 'second file clean test passes', 'second file leaky test (must fail)'];

/** tests/minor-first.test.*: clean tests judged by a scavenge, a promoted one by a full collection, and the check of which path judged them. */
export const MINOR_FIRST_TESTS = [
  ...Array.from({ length: 10 }, (_, i) => `minor-first › clean young test ${i}`),
  'minor-first › clean test whose objects were promoted to the old generation',
  'minor-first › the young tests were judged by a scavenge, the promoted one by a full collection',
];

export const UNAWAITED_TESTS = {
  jest: ['un-awaited toLeak (must fail)', 'awaited toLeak passes'],
  vitest: ['un-awaited toLeak (must fail)', 'un-awaited toLeak in a test that goes on (must fail)', 'awaited toLeak passes', 'returned toLeak passes'],
};

export const GROWTH_TESTS = [
  'unbounded growth shows the series (must fail)',
  'a bounded cache leaks by the default rule (must fail)',
  "a bounded cache is not a leak with growth: 'every-run'",
  "a bounded cache of a tracked class is not a leak with growth: 'every-run'",
  "growth on every run leaks with growth: 'every-run' (must fail)",
  'growth option is validated (must fail)',
];

/** The tests the guard itself fails (each leaked one Response). */
export const GUARD_FAILED = [
  'crawler › nested › leaky test (must fail)',
  'beforeEach without cleanup › objects made in beforeEach count toward the test (must fail)',
  'test.each leaky (must fail)',
  'leaks on every attempt (must fail)',
  'second file leaky test (must fail)',
];

/** The test name as the guard writes it (`describe > test`), from the runner's `describe › test`. */
export function guardName(name: string): string {
  return name.replace(/ › /g, ' > ');
}

/** The guard's failures: the standard leak report, naming the test, with who holds the object and where it was made. */
export function expectGuardMessages(result: RunResult, ext: 'js' | 'mjs', { secondFile = true }: { secondFile?: boolean } = {}): void {
  const context = describeRun(result);
  const leaky = messageOf(result, 'crawler › nested › leaky test (must fail)');
  expect(leaky, context).toContain('leak guard: "crawler > nested > leaky test (must fail)" left objects alive after it passed');
  expect(leaky, context).toMatch(/^\s*class\s+before\s+after\s+leaked\s+oldest leaked\s*$/m);
  expect(leaky, context).toMatch(/^\s*Response\s+0\s+1\s+\+1\s+\S+s ago\s*$/m);
  expect(leaky, context).toContain("Response { url: 'http://nasty.example/leaky' }");
  expect(leaky, context).toMatch(/held by\s+cache\[0\]/);
  // Relative to the runner's working directory (the fixture's).
  expect(leaky, context).toMatch(new RegExp(`made at\\s+tests/guard\\.test\\.${ext}:\\d+:\\d+`));

  const fixture = messageOf(result, 'beforeEach without cleanup › objects made in beforeEach count toward the test (must fail)');
  expect(fixture, context).toContain("Response { url: 'http://example.com/kept-by-fixture' }");
  // The describe block's own variable, not the runner's state that reaches it (Jest showed
  // `globalThis['<symbol JEST_STATE_SYMBOL>'].currentDescribeBlock.children … → fixture`).
  expect(fixture, context).toMatch(/held by\s+fixture\s*$/m);

  expect(messageOf(result, 'test.each leaky (must fail)'), context).toContain('leak guard: "test.each leaky (must fail)"');
  if (secondFile) expect(messageOf(result, 'second file leaky test (must fail)'), context).toMatch(/held by\s+registry\.get\('page'\)/);

  // A failing test reports only its own failure.
  const failing = messageOf(result, 'failing test keeps its own error (must fail)');
  expect(failing, context).toContain('the only error');
  expect(failing, context).not.toContain('leak guard');
}

/** Un-awaited toLeak: the test fails with a message showing the `await` fix. */
export function expectUnawaitedGuardMessages(result: RunResult, names: string[]): void {
  for (const name of names.filter((n) => n.startsWith('un-awaited'))) {
    const message = messageOf(result, name);
    expect(message, describeRun(result)).toContain('expect(fn).not.toLeak(Response) was not awaited');
    expect(message, describeRun(result)).toContain('Await it:  await expect(fn).not.toLeak(Response)');
  }
}

/** Growth mode: the series after every run, and growth: 'every-run'. */
export function expectGrowthMessages(result: RunResult): void {
  const context = describeRun(result);
  const unbounded = messageOf(result, 'unbounded growth shows the series (must fail)');
  expect(unbounded, context).toMatch(/growth per run/);
  expect(unbounded, context).toContain('0 → +1 → +2 → +3 → +4');
  const bounded = messageOf(result, 'a bounded cache leaks by the default rule (must fail)');
  expect(bounded, context).toContain('0 → +1 → +2 → +2 → +2');
  expect(messageOf(result, "growth on every run leaks with growth: 'every-run' (must fail)"), context).toContain('0 → +1 → +2 → +3');
  const invalid = messageOf(result, 'growth option is validated (must fail)');
  expect(invalid, context).toContain("Option growth must be 'any'");
  expect(invalid, context).toContain("{ runs: 3, growth: 'every-run' }");
}

interface CiLeak {
  test: string;
  file: string;
  class: string;
  count: number;
  oldestAgeMs: number | null;
  retainerPath: string | null;
  allocationSite: string | null;
  instances: Array<{ ageMs: number; preview: string; retainerPath: string | null; allocationSite: string | null }>;
}

export interface CiReportJson {
  trackref: number;
  runner: string;
  shard: unknown;
  workers: number;
  checked: number;
  leakingTests: Array<{ test: string; file: string }>;
  leaks: CiLeak[];
  skipped: Array<{ test: string; file: string; reason: string }>;
}

export function readCiReport(file: string, result: RunResult): CiReportJson {
  expect(existsSync(file), `no CI report at ${file}\n${describeRun(result)}`).toBe(true);
  return JSON.parse(readFileSync(file, 'utf8')) as CiReportJson;
}

/** The JSON report of a full fixture run: every leak, from every worker, with its details. */
export function expectCiReport(report: CiReportJson, runner: 'jest' | 'vitest', ext: 'js' | 'mjs', concurrent: string[]): void {
  expect(report.trackref).toBe(1);
  expect(report.runner).toBe(runner);
  expect(report.shard).toBeNull();
  expect(report.workers).toBeGreaterThanOrEqual(2);
  // Files are relative to the runner's working directory (the fixture's).
  const dir = 'tests';
  const leakingTests = report.leakingTests.map(({ test, file }) => `${file} :: ${test}`).sort();
  expect(leakingTests).toEqual(
    [
      `${dir}/guard.test.${ext} :: beforeEach without cleanup > objects made in beforeEach count toward the test (must fail)`,
      `${dir}/guard.test.${ext} :: crawler > nested > leaky test (must fail)`,
      `${dir}/guard.test.${ext} :: test.each leaky (must fail)`,
      `${dir}/retry.test.${ext} :: leaks on every attempt (must fail)`,
      `${dir}/second.test.${ext} :: second file leaky test (must fail)`,
    ].sort(),
  );
  for (const leak of report.leaks) {
    expect(leak.class).toBe('Response');
    expect(leak.count).toBe(1);
    expect(leak.oldestAgeMs).toBeGreaterThanOrEqual(0);
    expect(leak.allocationSite).toMatch(new RegExp(`${dir}/\\w+\\.test\\.${ext}:\\d+:\\d+$`));
    expect(leak.instances).toHaveLength(1);
    expect(leak.instances[0]!.preview).toContain('Response {');
  }
  // The leaky test retried once: both attempts leaked, and both are listed.
  expect(report.leaks.filter((leak) => leak.test === 'leaks on every attempt (must fail)')).toHaveLength(2);
  const byTest = new Map(report.leaks.map((leak) => [leak.test, leak]));
  // Retainer paths are looked up for the first three leaking tests of each file.
  expect(byTest.get('crawler > nested > leaky test (must fail)')!.retainerPath).toBe('cache[0]');
  expect(byTest.get('second file leaky test (must fail)')!.retainerPath).toBe("registry.get('page')");
  expect(byTest.get('crawler > nested > leaky test (must fail)')!.allocationSite).toMatch(/guard\.test\.\w+:\d+:\d+$/);
  const skipped = report.skipped.map(({ test, reason }) => `${test}: ${reason.split(':')[0]}`).sort();
  expect(skipped).toEqual(['allowLeaks opts one test out: allowLeaks', ...concurrent.map((name) => `${guardName(name)}: runs concurrently (test.concurrent)`)].sort());
  expect(report.skipped.find((s) => s.test === 'allowLeaks opts one test out')!.reason).toBe('allowLeaks: fills the cache on purpose');
}

/** The reporter's end-of-run summary. */
export function expectSummary(output: string, reportFile: string): void {
  expect(output).toMatch(/trackref leak guard: 5 tests of \d+ leaked:/);
  expect(output).toContain('crawler > nested > leaky test (must fail): Response +1 (held by cache[0])');
  expect(output).toContain("second file leaky test (must fail): Response +1 (held by registry.get('page'))");
  expect(output).toContain(`Report: ${reportFile}`);
}
