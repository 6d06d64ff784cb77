/**
 * Leak checks that are still running, per test, so an adapter can fail a test whose `toLeak` was
 * not awaited (the test ended before the check did). Holds only test names and hints.
 */

interface PendingCheck {
  testName: string | undefined;
  hint: string;
  abandoned: boolean;
}

const running = new Set<PendingCheck>();

export function startCheck(testName: string | undefined, hint: string): PendingCheck {
  const check: PendingCheck = { testName, hint, abandoned: false };
  running.add(check);
  return check;
}

export function finishCheck(check: PendingCheck): void {
  running.delete(check);
}

/**
 * Called by an adapter when a test has ended: throws if a check started by that test is still
 * running, which means it was not awaited. The check is marked abandoned so its verdict is dropped.
 */
export function assertNoPendingChecks(testName: string | undefined): void {
  const late = [...running].filter((check) => check.testName === testName && !check.abandoned);
  if (late.length === 0) return;
  for (const check of late) {
    check.abandoned = true;
    running.delete(check);
  }
  const hint = late[0]!.hint;
  throw new Error(
    `${hint} was not awaited: the test ended before the leak check finished, so its verdict would be lost.\n` +
      `Await it:  await ${hint}\n` +
      '(and make the test function async).',
  );
}

export type { PendingCheck };
