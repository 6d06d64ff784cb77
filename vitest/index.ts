/**
 * trackref/vitest — the Vitest setup file (`setupFiles: ['trackref/vitest']`). Registers `toLeak`
 * on Vitest's `expect`, fails a test whose `toLeak` was not awaited (Vitest itself neither awaits nor reports it) or was
 * cut short by the test timeout (which stops the check as soon as it fires), offers the
 * per-test leak guard (`guardLeaks()`, `allowLeaks()`), and declares the matcher's type for Vitest 3,
 * 4 and 5 (through `Assertion`, whose signature all three share). Only wiring: the matcher and the
 * guard live in the core.
 */
import { afterAll, afterEach, beforeEach, chai, expect } from 'vitest';
import { MatcherContextLike, MatcherResultLike, toLeak } from '../src/matcher';
import { TestEnding, assertNoPendingChecks, lastStartedCheck, markAwaited, setTimeoutProbe, timeLeft, watchAwait } from '../src/pending';
import { LeakGuard, allowLeaks as allowLeaksCore, parseGuardOptions } from '../src/guard';
import { SELF_RELEASE_LIMIT_MS } from '../src/self-release';
import type { GuardOptions, GuardWindow } from '../src/guard';
import type { ClassTargets, LeakCheckOptions } from '../src/targets';

type RawMatcher = (this: MatcherContextLike, received: unknown, ...expected: unknown[]) => Promise<MatcherResultLike>;
(expect.extend as (matchers: Record<string, RawMatcher>) => void)({ toLeak });
watchAwaiting();
afterEach((context) => {
  const name = expect.getState().currentTestName;
  testsByName.delete(name ?? '');
  assertNoPendingChecks(name, testEnding(context.task as unknown as VitestTask));
});

/** The running tests by name, so a check can see its test's timeout fire (Vitest aborts the test's signal). */
const testsByName = new Map<string, VitestTask>();
beforeEach((context) => {
  testsByName.set(expect.getState().currentTestName ?? '', context.task as unknown as VitestTask);
});
// A check stops calling fn as soon as its test's timeout fires, before any afterEach hook runs (the
// test's own hooks, e.g. one closing a server fn talks to, run before this file's).
setTimeoutProbe((testName) => {
  const task = testsByName.get(testName ?? '');
  if (task === undefined) return undefined;
  return { timedOut: () => task.context?.signal?.aborted === true || timedOut(task), remainingMs: () => timeLeft(task.result?.startTime, task.timeout) };
});

/** Whether the test's errors hold Vitest's "Test timed out in … ms" message. */
function timedOut(task: VitestTask): boolean {
  return (task.result?.errors ?? []).some((error) => typeof error?.message === 'string' && /^Test timed out in \d+ ?ms/.test(error.message));
}

/**
 * How the test ended: whether Vitest's test timeout fired, and the test's timeout (an awaited check
 * the test left behind is reported as out of time either way).
 */
function testEnding(task: VitestTask | undefined): TestEnding {
  return { runner: 'vitest', timedOut: task !== undefined && timedOut(task), timeoutMs: typeof task?.timeout === 'number' ? task.timeout : undefined };
}

/**
 * Vitest neither awaits nor reports a forgotten custom async assertion. To fail the test, watch the
 * promise `toLeak` hands the user: it becomes a thenable whose then/catch/finally mark it awaited
 * (`await` calls `then` on a thenable, while it would bypass it on a native promise).
 */
function watchAwaiting(): void {
  type Method = (this: object, ...args: unknown[]) => unknown;
  const overwrite = chai.util.overwriteMethod as unknown as (ctx: object, name: string, method: (original: Method) => Method) => void;
  overwrite(chai.Assertion.prototype, 'toLeak', (original) =>
    function (this: object, ...args: unknown[]): unknown {
      const before = lastStartedCheck();
      const result = original.apply(this, args);
      const check = lastStartedCheck();
      if (check === undefined || check === before || !isThenable(result)) return result;
      watchAwait(check);
      // An un-awaited check fails its test for not being awaited; its own verdict must not also
      // surface as an unhandled rejection. Awaiting callers get their own derived promise.
      Promise.resolve(result).catch(() => undefined);
      return {
        then(onFulfilled?: (value: unknown) => unknown, onRejected?: (reason: unknown) => unknown): Promise<unknown> {
          markAwaited(check);
          return Promise.resolve(result).then(onFulfilled, onRejected);
        },
        catch(onRejected?: (reason: unknown) => unknown): Promise<unknown> {
          markAwaited(check);
          return Promise.resolve(result).catch(onRejected);
        },
        finally(onFinally?: () => void): Promise<unknown> {
          markAwaited(check);
          return Promise.resolve(result).finally(onFinally);
        },
        [Symbol.toStringTag]: 'Promise',
      };
    },
  );
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

interface VitestTask {
  name: string;
  concurrent?: boolean;
  suite?: VitestTask;
  file?: { filepath?: string };
  filepath?: string;
  location?: { line: number; column: number };
  /** `startTime`: when the test started (Date.now()). */
  result?: { state?: string; startTime?: number; errors?: Array<{ message?: unknown } | undefined> };
  timeout?: number;
  /** \`describe > test\` joined as the expect state's currentTestName (Vitest 4+). */
  fullTestName?: string;
  context?: { signal?: AbortSignal };
}

/** The test's full name as `describe > test` (the file task, which has a filepath, is not part of it). */
function fullName(task: VitestTask): string {
  const names = [task.name];
  for (let suite = task.suite; suite !== undefined && suite.filepath === undefined; suite = suite.suite) names.unshift(suite.name);
  return names.join(' > ');
}

/** Where the test is declared, as a stack line (when Vitest recorded it: `includeTaskLocation`). */
function declaredAt(task: VitestTask): string | undefined {
  const file = task.file?.filepath;
  return task.location === undefined || file === undefined ? undefined : `    at ${file}:${task.location.line}:${task.location.column}`;
}

let guard: LeakGuard | undefined;

/**
 * Turns on the per-test leak guard for this test file: after each test that passed, tracked objects
 * it created (in its beforeEach hooks, its body or its afterEach hooks) that are still alive after
 * garbage collection fail it with a leak report. Call it in a setup file listed after
 * 'trackref/vitest'. Calling it again replaces the options.
 */
/**
 * The time the guard's end-of-test hook may take: Vitest's default hook timeout (10 s) is too short
 * for a leaking test on a busy machine (collections, a heap snapshot, and the bounded wait for
 * holders that release by themselves, up to SELF_RELEASE_LIMIT_MS).
 */
const GUARD_HOOK_TIMEOUT_MS = 60_000 + SELF_RELEASE_LIMIT_MS;

export function guardLeaks(options?: GuardOptions): void {
  const parsed = parseGuardOptions(options);
  if (guard !== undefined) {
    guard.configure(parsed);
    return;
  }
  const installed = new LeakGuard(parsed);
  guard = installed;
  const taskOf = new WeakMap<GuardWindow, VitestTask>();
  beforeEach((context) => {
    const task = context.task as unknown as VitestTask;
    const window = installed.begin({ name: fullName(task), file: task.file?.filepath, concurrent: task.concurrent === true });
    taskOf.set(window, task);
    // After every afterEach hook, cleanup and fixture teardown of the test, when its state is known.
    context.onTestFinished(async () => {
      const error = await installed.end(window, task.result?.state === 'pass', () => declaredAt(task));
      if (error !== undefined) throw error;
    }, GUARD_HOOK_TIMEOUT_MS);
  });
  // Registered first, so it runs after the file's own afterAll hooks.
  afterAll(async () => {
    try {
      const failures = await installed.settlePending((window) => {
        const task = taskOf.get(window);
        return task === undefined ? undefined : declaredAt(task);
      });
      if (failures.length === 1) throw failures[0]!.error;
      if (failures.length > 1) {
        const error = new Error(
          `leak guard: ${failures.length} tests of this file left objects alive:\n\n` + failures.map(({ error: failure }) => failure.message).join('\n\n'),
        );
        error.name = 'LeakGuardError';
        error.stack = error.message;
        throw error;
      }
    } finally {
      installed.flush();
    }
  });
}

/**
 * Lets the running test keep objects alive: the leak guard skips it (the CI report lists it with the
 * reason). Call it inside the test. Does nothing when the guard is off.
 */
export function allowLeaks(reason: string): void {
  allowLeaksCore(reason);
}

export type { GuardOptions };

declare module 'vitest' {
  // No type parameters: Vitest 3.0-4 declare Assertion<T = any>, Vitest 5 Assertion<R = void, T = unknown>;
  // a declaration may leave out defaulted type parameters, but the ones it names must match.
  interface Assertion {
    /** Runs the received function and fails when instances of any tracked class outlive it. Always `await` it. */
    toLeak(): Promise<void>;
    /** Every tracked class, with options: `toLeak({ runs: 3 })`. Always `await` it. */
    toLeak(options: LeakCheckOptions): Promise<void>;
    /** Runs the received function and fails when instances of `target` outlive it. Always `await` it. */
    toLeak(target: ClassTargets, options?: LeakCheckOptions): Promise<void>;
  }
}
