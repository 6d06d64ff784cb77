// Real Jest and Vitest runs of test/fixtures/matcher-arguments: toLeak() (no argument) checks every
// tracked class and counts functions passed to track(); a plain object alone is options for every
// tracked class, shown as toLeak(options) in the hint (never "toLeak(, options)"); an explicit
// undefined or null target, or a class of primitives, fails with a message saying what to write.
import { beforeAll, describe, expect, test } from 'vitest';
import { RunResult, describeRun, expectStatuses, messageOf, runJest, runVitest } from './helpers';

const TESTS = [
  'toLeak() catches functions kept in a registry (must fail)',
  "toLeak('Function') catches them too (must fail)",
  'toLeak() passes when tracked functions are released',
  'toLeak(options) checks every tracked class with options (must fail)',
  'toLeak(options) passes on clean code',
  'the positive form takes options alone too',
  'toLeak(undefined) is refused (must fail)',
  'toLeak(undefined, options) is refused (must fail)',
  'toLeak(null) from a shadowed .constructor is refused (must fail)',
  'toLeak(String) is refused (must fail)',
];

const SAYS_WHAT_TO_WRITE = 'To check every tracked class, write toLeak() with no argument, or toLeak({ runs: 3 }) to pass options too.';

describe.each(['jest', 'vitest'] as const)('%s: toLeak arguments', (runner) => {
  let result: RunResult;
  beforeAll(async () => {
    result = runner === 'jest' ? await runJest('matcher-arguments', ['--runInBand']) : await runVitest('matcher-arguments');
  });

  test('each test has its expected status', () => {
    expectStatuses(result, TESTS);
  });

  test('functions passed to track() are counted, by toLeak() and by the name Function', () => {
    const all = messageOf(result, TESTS[0]!);
    expect(all, describeRun(result)).toContain('expect(fn).not.toLeak()\n');
    expect(all).toMatch(/^\s*Function\s+\d+\s+\d+\s+\+1\s+\d+(?:\.\d)?s ago\s*$/m);
    expect(all).toContain('[Function (anonymous)]');
    expect(all).toMatch(/held by {2}handlers\[\d+\]/);
    const byName = messageOf(result, TESTS[1]!);
    expect(byName).toContain("expect(fn).not.toLeak('Function')");
    expect(byName).toContain('[Function: onPage]');
  });

  test('options alone: every tracked class, hint toLeak(options), growth per run', () => {
    const message = messageOf(result, TESTS[3]!);
    expect(message, describeRun(result)).toContain('expect(fn).not.toLeak(options)\n');
    expect(message).not.toContain('toLeak(, options)');
    expect(message).toContain('after 2 runs and garbage collection');
    expect(message).toMatch(/^\s*Page\s+\d+\s+\d+\s+\+2\s+0 → \+1 → \+2\s+\d+(?:\.\d)?s ago\s*$/m);
  });

  test('an explicit undefined or null target fails, saying what to write', () => {
    for (const [name, hint, what] of [
      [TESTS[6]!, 'expect(fn).not.toLeak(undefined)', 'The target is undefined'],
      [TESTS[7]!, 'expect(fn).not.toLeak(undefined, options)', 'The target is undefined'],
      [TESTS[8]!, 'expect(fn).not.toLeak(null)', 'The target is null'],
    ] as const) {
      const message = messageOf(result, name);
      expect(message, describeRun(result)).toContain(hint);
      expect(message).toContain(what);
      expect(message).toContain('Pass the class itself (toLeak(HtmlResponse))');
      expect(message).toContain(SAYS_WHAT_TO_WRITE);
      expect(message).not.toContain('garbage collection');
    }
    expect(messageOf(result, TESTS[8]!)).toContain('.constructor of an object whose class shadows it');
  });

  test('a class of primitives fails, saying why and what to pass', () => {
    const message = messageOf(result, TESTS[9]!);
    expect(message, describeRun(result)).toContain('toLeak(String) cannot be counted: string values are primitives');
    expect(message).toContain('toLeak(HtmlResponse)');
  });
});
