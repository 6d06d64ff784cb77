/**
 * Leak checks that are still running, per test, so an adapter can fail a test whose `toLeak` was
 * not awaited: the test ended before the check did, or (where the adapter can watch the returned
 * promise, as in Vitest) the promise was never awaited. The state lives on the global object, so a
 * second copy of this module (a runner that loads trackref's files twice, e.g. Vitest inlining a
 * linked package) shares it. Holds only test names and hints.
 */

interface PendingCheck {
  testName: string | undefined;
  hint: string;
  abandoned: boolean;
  /** The adapter watches whether the promise the user got is awaited (then, catch or finally called). */
  awaitWatched: boolean;
  awaited: boolean;
}

interface PendingState {
  running: Set<PendingCheck>;
  /** Watched checks that finished without their promise being awaited. */
  unawaited: Set<PendingCheck>;
  lastStarted: PendingCheck | undefined;
}

const STATE = Symbol.for('trackref.pending');
const shared = globalThis as unknown as Record<symbol, PendingState | undefined>;
if (shared[STATE] === undefined) {
  Object.defineProperty(shared, STATE, { value: { running: new Set(), unawaited: new Set(), lastStarted: undefined }, configurable: true });
}
const state = shared[STATE]!;
const { running, unawaited } = state;

export function startCheck(testName: string | undefined, hint: string): PendingCheck {
  const check: PendingCheck = { testName, hint, abandoned: false, awaitWatched: false, awaited: false };
  running.add(check);
  state.lastStarted = check;
  return check;
}

export function finishCheck(check: PendingCheck): void {
  running.delete(check);
  if (check.awaitWatched && !check.awaited && !check.abandoned) unawaited.add(check);
}

/** The check started most recently (an adapter compares it before and after calling the matcher). */
export function lastStartedCheck(): PendingCheck | undefined {
  return state.lastStarted;
}

/** Marks a check whose returned promise the adapter watches; it calls `markAwaited` when it is awaited. */
export function watchAwait(check: PendingCheck): void {
  check.awaitWatched = true;
}

export function markAwaited(check: PendingCheck): void {
  check.awaited = true;
  unawaited.delete(check);
}

/**
 * Called by an adapter when a test has ended: throws if a check started by that test is still
 * running, or was watched and never awaited. A running check is marked abandoned so its verdict is
 * dropped.
 */
export function assertNoPendingChecks(testName: string | undefined): void {
  const late = [...running].filter((check) => check.testName === testName && !check.abandoned);
  const forgotten = [...unawaited].filter((check) => check.testName === testName);
  for (const check of forgotten) unawaited.delete(check);
  if (late.length === 0 && forgotten.length === 0) return;
  for (const check of late) {
    check.abandoned = true;
    running.delete(check);
  }
  const hint = (late[0] ?? forgotten[0])!.hint;
  const why =
    late.length > 0
      ? 'the test ended before the leak check finished, so its verdict would be lost'
      : 'it finished while the test went on, but nothing waited for its verdict, so a leak would have gone unreported';
  throw new Error(`${hint} was not awaited: ${why}.\nAwait it:  await ${hint}\n(and make the test function async).`);
}

export type { PendingCheck };
