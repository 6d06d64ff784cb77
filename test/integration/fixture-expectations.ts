// What the jest-project and vitest-project fixtures (the same tests, in CommonJS for Jest and ESM for
// Vitest) must produce under any runner configuration. Not a test file.
import { expect } from 'vitest';
import { RunResult, describeRun, messageOf } from './helpers';

/** tests/verdicts.test.{js,mjs} */
export const VERDICT_TESTS = [
  'clean function passes',
  'leak is reported (must fail)',
  'untracked class leak is reported (must fail)',
  'positive form passes on a leaky function',
  'positive form on a clean function (must fail)',
  'name, array and base-class targets pass when clean',
  'error thrown by fn (must fail)',
  'fn that never settles (must fail)',
  'growth per run with runs: 3 (must fail)',
];

/** tests/misuse.test.{js,mjs} */
export const MISUSE_TESTS = [
  'received value is not a function (must fail)',
  'target is a number (must fail)',
  'unknown option (must fail)',
  'not awaited (must fail)',
  'a test after a not-awaited check passes',
  'inside describe › not awaited in a describe block (must fail)',
  'inside describe › awaited in a describe block passes',
];

export const ALL_TESTS = [...VERDICT_TESTS, ...MISUSE_TESTS];

/** The tests of MISUSE_TESTS whose toLeak is not awaited. */
export const UNAWAITED_TESTS = ['not awaited (must fail)', 'inside describe › not awaited in a describe block (must fail)'];

const TABLE_HEADER = /^\s*class\s+before\s+after\s+leaked\s+oldest leaked\s*$/m;
const MEMORY_LINE = /^Memory after collection: heap used [\d.]+ MB → [\d.]+ MB \([+−][\d.]+ MB\), RSS [\d.]+ MB → [\d.]+ MB \([+−][\d.]+ MB\)$/m;

/** Key lines of the leak reports and errors of tests/verdicts.test.* */
export function expectVerdictMessages(result: RunResult, testFile: string): void {
  const context = describeRun(result);

  const leak = messageOf(result, 'leak is reported (must fail)');
  expect(leak, context).toContain('expect(fn).not.toLeak(HtmlResponse)');
  expect(leak).toContain('but HtmlResponse grew');
  expect(leak).toMatch(TABLE_HEADER);
  expect(leak).toMatch(/^\s*HtmlResponse\s+\d+\s+\d+\s+\+1\s+\d+(?:\.\d)?s ago\s*$/m);
  expect(leak).toMatch(/HtmlResponse \{ url: 'http:\/\/nasty\.example\/product\.php\?pid=\d+' \}/);
  expect(leak).toMatch(MEMORY_LINE);
  // The retainer path as the user would write it, and the allocation site (file:line).
  expect(leak).toMatch(/cache\[\d+\]/);
  expect(leak).toMatch(new RegExp(`${testFile.replace(/\./g, '\\.')}:\\d+`));
  // The hint comes first, the memory line after the table.
  expect(leak.indexOf('expect(fn).not.toLeak(HtmlResponse)')).toBeLessThan(leak.search(TABLE_HEADER));
  expect(leak.search(TABLE_HEADER)).toBeLessThan(leak.search(MEMORY_LINE));

  const untracked = messageOf(result, 'untracked class leak is reported (must fail)');
  expect(untracked).toContain('expect(fn).not.toLeak(Untracked)');
  expect(untracked).toMatch(TABLE_HEADER);
  expect(untracked).toMatch(/^\s*Untracked\s+\d+\s+\d+\s+\+1\b/m);
  expect(untracked).toMatch(/Untracked \{ n: \d+ \}/);
  expect(untracked).toMatch(MEMORY_LINE);

  const positive = messageOf(result, 'positive form on a clean function (must fail)');
  expect(positive).toContain('expect(fn).toLeak(HtmlResponse)');
  expect(positive).toContain('Expected fn to leak HtmlResponse');
  expect(positive).not.toContain('.not.toLeak');

  const thrown = messageOf(result, 'error thrown by fn (must fail)');
  expect(thrown).toMatch(/^Error: boom from fn/);
  expect(thrown).not.toContain('garbage collection');
  expect(thrown).not.toMatch(TABLE_HEADER);

  const timeout = messageOf(result, 'fn that never settles (must fail)');
  expect(timeout).toContain('300 ms');
  expect(timeout).toMatch(/\{ timeout: \d+ \}/);
  expect(timeout).toContain('expect(fn).not.toLeak(HtmlResponse, options)');

  const runs = messageOf(result, 'growth per run with runs: 3 (must fail)');
  expect(runs).toMatch(/^\s*class\s+before\s+after\s+leaked\s+growth per run\s+oldest leaked\s*$/m);
  expect(runs).toMatch(/^\s*HtmlResponse\s+\d+\s+\d+\s+\+3\s+0 → \+1 → \+2 → \+3\s+\d+(?:\.\d)?s ago\s*$/m);
  expect(runs).toContain('after 3 runs');
}

/** Key lines of the errors of tests/misuse.test.* (except the un-awaited ones). */
export function expectMisuseMessages(result: RunResult): void {
  const notFunction = messageOf(result, 'received value is not a function (must fail)');
  expect(notFunction, describeRun(result)).toContain('expect(fn).not.toLeak(HtmlResponse)');
  expect(notFunction).toContain('the number 42');
  expect(notFunction).toContain('await expect(() =>');
  // Misuse is a TrackrefError, like every other bad input.
  expect(notFunction).toContain('TrackrefError');

  const badTarget = messageOf(result, 'target is a number (must fail)');
  expect(badTarget).toContain('the number 42');
  expect(badTarget).toContain('Pass a class (toLeak(HtmlResponse))');

  const badOption = messageOf(result, 'unknown option (must fail)');
  expect(badOption).toContain("'rnus'");
  expect(badOption).toMatch(/Valid options are .*\bwarmup\b.*\bruns\b.*\btolerance\b.*\bignore\b.*\btimeout\b/);
}

/** The un-awaited checks of tests/misuse.test.* failed their tests with a message saying to await. */
export function expectUnawaitedMessages(result: RunResult): void {
  for (const name of UNAWAITED_TESTS) {
    const message = messageOf(result, name);
    expect(message, describeRun(result)).toContain('expect(fn).not.toLeak(HtmlResponse) was not awaited');
    expect(message).toContain('await expect(fn).not.toLeak(HtmlResponse)');
  }
}
