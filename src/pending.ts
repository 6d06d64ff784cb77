/**
 * Leak checks that are still running, per test, so an adapter can fail a test whose check did not
 * end with it: either its `toLeak` was not awaited (the test ended before the check did, or, where
 * the adapter can watch the returned promise as in Vitest, the promise was never awaited), or the
 * runner's test timeout ended the test while the check was running. Checks left behind are stopped
 * (no further call of `fn`): as soon as the adapter's probe sees the test's timeout fire, or else
 * when the adapter reports the test's end. The state lives on the global object, so a second copy of
 * this module (a runner that loads trackref's files twice, e.g. Vitest inlining a linked package)
 * shares it. Holds test names, hints, numbers and the adapter's probes; never `fn` or what it made.
 */
import { now, wallClockNow } from './clock';
import { HIDDEN_ROUNDS } from './check';

interface PendingCheck {
  testName: string | undefined;
  hint: string;
  /** The check must stop: it calls fn no more and its verdict is dropped. */
  abandoned: boolean;
  /** The test's end was reported for this check (by `assertNoPendingChecks`). */
  reported: boolean;
  /** From the adapter: whether the test's timeout has fired, and how long it has left. */
  clock: TestClock | undefined;
  /** Milliseconds from the check's start to when its test was seen to time out. */
  timedOutAfter: number | undefined;
  /** performance.now() when the check began. */
  startedAt: number;
  /** Calls of fn begun so far, the one named by `calling` included. */
  calls: number;
  /** The call of fn begun last (`warm-up call 1 of 1`, `run 2 of 3`). */
  calling: string | undefined;
  /** What the check is doing now: a call of fn, or a step between calls (`taking a heap snapshot…`). */
  activity: string | undefined;
  /** Milliseconds spent in finished calls of fn so far. */
  fnMs: number;
  /** performance.now() when the call of fn running now began (undefined between calls). */
  callStartedAt: number | undefined;
  /** A failing check's report, formatted, once its verdict was final (see CheckControl.decided). */
  report: string | undefined;
  plan: CheckPlanLike | undefined;
  /** The adapter watches whether the promise the user got is awaited (then, catch or finally called). */
  awaitWatched: boolean;
  awaited: boolean;
}

/** What an adapter can tell of a running test's timeout. */
export interface TestClock {
  /** True once the test's timeout has fired. */
  timedOut(): boolean;
  /** Milliseconds left before the test's timeout fires (undefined when not known, or no timeout). */
  remainingMs(): number | undefined;
}

/** Given the test a check starts in, returns its clock (undefined when the adapter cannot tell). */
export type TimeoutProbe = (testName: string | undefined) => TestClock | undefined;

/** The time left of a test that started at `startedAt` (Date.now()) with a timeout of `timeoutMs`. */
export function timeLeft(startedAt: unknown, timeoutMs: unknown): number | undefined {
  if (typeof startedAt !== 'number' || typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) return undefined;
  return startedAt + timeoutMs - wallClockNow();
}

interface PendingState {
  /** Checks running, and checks stopped by a timeout whose test end was not reported yet. */
  running: Set<PendingCheck>;
  probe?: TimeoutProbe;
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

/** What a check was asked to do (from its parsed options). */
export interface CheckPlanLike {
  warmup: number;
  runs: number;
  /** trackref's own limit per call of fn, in ms. */
  timeout: number;
}

/** How the test that started a check ended, as far as its adapter can tell. */
export interface TestEnding {
  runner: 'jest' | 'vitest';
  /** The runner's test timeout fired (the runner's own error for the test says so). */
  timedOut: boolean;
  /** The test's timeout in milliseconds, when known. */
  timeoutMs?: number | undefined;
}

export function startCheck(testName: string | undefined, hint: string): PendingCheck {
  const check: PendingCheck = {
    testName,
    hint,
    abandoned: false,
    reported: false,
    clock: state.probe?.(testName),
    timedOutAfter: undefined,
    startedAt: now(),
    calls: 0,
    calling: undefined,
    activity: undefined,
    fnMs: 0,
    callStartedAt: undefined,
    report: undefined,
    plan: undefined,
    awaitWatched: false,
    awaited: false,
  };
  running.add(check);
  state.lastStarted = check;
  return check;
}

export function finishCheck(check: PendingCheck): void {
  // A check its test's timeout stopped stays listed until the test's end reports it.
  if (!check.abandoned || check.reported) running.delete(check);
  if (check.awaitWatched && !check.awaited && !check.abandoned) unawaited.add(check);
}

/** Installs the adapter's way to see a test's timeout fire (replacing an earlier one). */
export function setTimeoutProbe(probe: TimeoutProbe): void {
  state.probe = probe;
}

/**
 * True when the check must stop: its test's end was reported, or the test's timeout has fired (then
 * it is stopped now, before another call of fn, and the test's end will report it).
 */
export function mustStop(check: PendingCheck): boolean {
  if (!check.abandoned && check.clock?.timedOut() === true) {
    check.abandoned = true;
    check.timedOutAfter = now() - check.startedAt;
  }
  return check.abandoned;
}

/** Milliseconds left before the check's test times out (undefined when not known). */
export function remainingMs(check: PendingCheck): number | undefined {
  return check.clock?.remainingMs();
}

/** Records the call of fn a check is about to make (for the message if its test runs out of time). */
export function noteCall(check: PendingCheck, which: string, calls: number, plan: CheckPlanLike): void {
  check.calling = which;
  check.activity = `during ${which}`;
  check.callStartedAt = now();
  check.calls = calls;
  check.plan = plan;
}

/** Records that the call of fn begun last took `ms`; the check collects and counts next. */
export function noteCalled(check: PendingCheck, ms: number): void {
  check.fnMs += ms;
  check.callStartedAt = undefined;
  check.activity = `after ${check.calling ?? 'a call of fn'}, collecting garbage and counting`;
}

/** Records what the check is doing between calls of fn. */
export function noteStep(check: PendingCheck, what: string): void {
  check.activity = `while ${what}`;
}

/** Records a failing check's report once its verdict is final, for a test that then runs out of time. */
export function noteReport(check: PendingCheck, report: string): void {
  check.report = report;
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
 * running (it is stopped: marked abandoned, so it calls fn no more and its verdict is dropped), or
 * was watched and never awaited. A check the runner's timeout cut short (`ending.timedOut`, or an
 * awaited one) gets a message about time, not about awaiting.
 */
export function assertNoPendingChecks(testName: string | undefined, ending?: TestEnding): void {
  const late = [...running].filter((check) => check.testName === testName && !check.reported);
  const forgotten = [...unawaited].filter((check) => check.testName === testName);
  for (const check of forgotten) unawaited.delete(check);
  if (late.length === 0 && forgotten.length === 0) return;
  for (const check of late) {
    mustStop(check);
    check.abandoned = true;
    check.reported = true;
    running.delete(check);
  }
  const first = late[0];
  if (first !== undefined && (ending?.timedOut === true || first.timedOutAfter !== undefined || (first.awaitWatched && first.awaited))) {
    throw stackless(outOfTimeMessage(first, ending));
  }
  const hint = (first ?? forgotten[0])!.hint;
  const why =
    late.length > 0
      ? 'the test ended before the leak check finished, so its verdict would be lost'
      : 'it finished while the test went on, but nothing waited for its verdict, so a leak would have gone unreported';
  throw stackless(`${hint} was not awaited: ${why}.\nAwait it:  await ${hint}\n(and make the test function async).`);
}

/** An error whose message is all there is to say: a stack into trackref's internals would only add noise. */
function stackless(message: string): Error {
  const error = new Error(message);
  error.stack = `Error: ${message}`;
  return error;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Where each runner takes a longer test timeout. */
const TIMEOUT_OPTIONS: Record<TestEnding['runner'], (ms: number) => string> = {
  jest: (ms) => `test(name, fn, ${ms}), or testTimeout: ${ms} in the Jest config (jest.setTimeout(${ms}) for one file)`,
  vitest: (ms) => `test(name, fn, ${ms}), or testTimeout: ${ms} in the Vitest config (vi.setConfig({ testTimeout: ${ms} }) for one file)`,
};

/** The failure of a check that its test's timeout cut short: how far it got, what it costs, what to raise. */
export function outOfTimeMessage(check: PendingCheck, ending: TestEnding | undefined): string {
  const elapsed = check.timedOutAfter ?? now() - check.startedAt;
  const limit = ending?.timeoutMs;
  const within = limit === undefined ? "within the test's timeout" : `within the test's timeout of ${limit} ms`;
  const progress = check.activity === undefined ? 'before its first call of fn' : `${check.activity} (${plural(check.calls, 'call')} of fn begun)`;
  const lines = [
    `${check.hint} did not finish ${within}: the check had run ${seconds(elapsed)} when it saw the test end, ${progress}. ` +
      'It was stopped there: fn is not called again (a call already running cannot be interrupted; its result is dropped).',
  ];
  if (check.calls > 0) {
    const running = check.callStartedAt === undefined ? 0 : Math.max(0, check.startedAt + elapsed - check.callStartedAt);
    lines.push(
      `Its calls of fn took ${seconds(check.fnMs + running)} in all${running > 0 ? ` (${seconds(running)} in the one running when the test ended)` : ''}; the rest went to garbage collections, heap counts` +
        `${check.report === undefined ? '' : ' and the heap snapshot for the retainer paths'} (they take longer as the heap grows, and on a busy machine).`,
    );
  }
  if (check.report !== undefined) {
    lines.push('It had found a leak before the test ended; its report, as it stood then:', '', check.report, '');
  }
  const plan = check.plan;
  if (plan !== undefined && check.report === undefined) {
    lines.push(
      `This check calls fn ${plan.warmup} + ${plan.runs} times (warm-up + runs), and up to ${HIDDEN_ROUNDS * plan.runs} more when counting births suspects a leak ` +
        `(a confirming set of runs on the heap, repeated up to ${HIDDEN_ROUNDS - 1} times when it shows no growth while new instances survive), with a full garbage collection after each step ` +
        `and a heap snapshot when a leak is found (then, with runs: 1 and a quick fn, 2 more calls show whether the count keeps growing): ` +
        `give the test about ${plan.warmup + (HIDDEN_ROUNDS + 1) * plan.runs} times the duration of one call of fn, plus a second or so.`,
    );
  }
  const suggested = Math.max(limit === undefined ? 0 : limit * 4, Math.ceil((elapsed * 4) / 1000) * 1000, 10_000);
  const where = ending === undefined ? `${TIMEOUT_OPTIONS.jest(suggested)} in Jest; ${TIMEOUT_OPTIONS.vitest(suggested)} in Vitest` : TIMEOUT_OPTIONS[ending.runner](suggested);
  lines.push(`Raise the test's timeout: ${where}; or make the check cheaper (fewer runs or warm-up calls, a faster fn).`);
  lines.push(
    `trackref's own timeout option (${plan === undefined ? 'default 4000 ms' : plan.timeout === Infinity ? 'here no limit' : `here ${plan.timeout} ms`}) limits each call of fn, not the whole check; ` +
      "keep it under the test's timeout, so a call that hangs fails with its own message.",
  );
  if (!check.awaitWatched) lines.push(`(If this check is not awaited, await it:  await ${check.hint})`);
  return lines.join('\n');
}

export type { PendingCheck };
