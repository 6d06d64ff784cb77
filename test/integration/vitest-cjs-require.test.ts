// A real Vitest run of test/fixtures/vitest-cjs-require, in the forks and vmThreads pools: a CommonJS
// test file whose test callback calls `require`, so Vite's module wrapper keeps a scope for it around
// the module's block. The module variable `waiters` must read as such: a new user's Promise leak was
// shown through an earlier test's process listener instead (`process listeners 'warning'[1] →
// onWarn() → waiters[2]`, 5 of 5 in forks and vmThreads).
import { describe, expect, test } from 'vitest';
import { describeRun, expectStatuses, messageOf, runVitest } from './helpers';

const TESTS = [
  'a listener per call, never removed (must fail)',
  'requires a module in its callback',
  'a wait on shutdown per call, never settled (must fail)',
];

describe.each(['forks', 'vmThreads'])('Vitest, pool %s', (pool) => {
  test("the Promise leak is held by the module's own variable, not another test's listener", async () => {
    const result = await runVitest('vitest-cjs-require', [`--pool=${pool}`]);
    expectStatuses(result, TESTS);
    const message = messageOf(result, TESTS[2]!);
    expect(message, describeRun(result)).toMatch(/held by {2}waiters\[2\] → \(promise\)/);
    expect(message).not.toContain("listeners 'warning'");
  }, 300_000);
});
