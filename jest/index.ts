/**
 * trackref/jest — the Jest setup file (`setupFilesAfterEnv: ['trackref/jest']`). Registers `toLeak`
 * on Jest's `expect`, fails a test that ended while its `toLeak` was still running (not awaited, or
 * cut short by Jest's test timeout, which stops the check as soon as it fires),
 * turns on the per-test leak guard when trackref's environment asks for it (or `guardLeaks()` is
 * called), and declares the matcher's types for the global `expect` and `@jest/globals`. Only wiring:
 * the matcher and the guard live in the core.
 */
import { toLeak } from '../src/matcher';
import { TestEnding, assertNoPendingChecks, setTimeoutProbe, timeLeft } from '../src/pending';
import { allowLeaks as allowLeaksCore, parseGuardOptions } from '../src/guard';
import type { GuardOptions } from '../src/guard';
import type { ClassTargets, LeakCheckOptions } from '../src/targets';
import { environmentBridge, installJestGuard } from './guard';
// Brings the 'expect' module (behind @jest/globals) into the program so it can be augmented below.
import type {} from 'expect';

interface JestGlobals {
  expect: { extend(matchers: Record<string, unknown>): void; getState(): { currentTestName?: string; testPath?: string } };
  afterEach(fn: () => void): void;
}

function jestGlobals(): JestGlobals {
  const injected = globalThis as unknown as Partial<JestGlobals>;
  if (typeof injected.expect === 'function' && typeof injected.afterEach === 'function') {
    return injected as JestGlobals;
  }
  // `injectGlobals: false`: take them from @jest/globals, which only exists inside a Jest test file.
  return require('@jest/globals') as JestGlobals;
}

const { expect, afterEach } = jestGlobals();
expect.extend({ toLeak });
afterEach(() => assertNoPendingChecks(expect.getState().currentTestName, testEnding()));
// A check stops calling fn as soon as its test's timeout fires, before any afterEach hook runs (the
// test's own hooks, e.g. one closing a server fn talks to, run before this file's).
setTimeoutProbe(() => {
  const state = circusState();
  const test = state?.currentlyRunningTest ?? undefined;
  if (test === undefined) return undefined;
  return { timedOut: () => timedOut(test), remainingMs: () => timeLeft(test.startedAt, test.timeout ?? state?.testTimeout) };
});

interface CircusTest {
  errors?: unknown[];
  timeout?: number;
  /** When the test started (Date.now(); jest-circus sets it at test_start). */
  startedAt?: number | null;
}
interface CircusState {
  currentlyRunningTest?: CircusTest | null;
  testTimeout?: number;
}

/**
 * jest-circus's state, kept on the test file's global object under a symbol described
 * 'JEST_STATE_SYMBOL' (undefined under another test runner).
 */
function circusState(): CircusState | undefined {
  const global = globalThis as unknown as Record<symbol, unknown>;
  const symbol = Object.getOwnPropertySymbols(global).find((sym) => sym.description === 'JEST_STATE_SYMBOL');
  const state = symbol === undefined ? undefined : global[symbol];
  return typeof state === 'object' && state !== null ? (state as CircusState) : undefined;
}

/** Whether the test's errors hold Jest's "Exceeded timeout of … for a test" message. */
function timedOut(test: CircusTest): boolean {
  return (test.errors ?? []).some((entry) => {
    const error: unknown = Array.isArray(entry) ? entry[0] : entry;
    const text = typeof error === 'string' ? error : error instanceof Error ? error.message : '';
    return /^Exceeded timeout of .* for a test/.test(text);
  });
}

/**
 * How the running test ended: whether Jest's test timeout fired, and the test's timeout. Says "not
 * timed out" when jest-circus's state cannot be read, which only changes the failure's wording.
 */
function testEnding(): TestEnding {
  const state = circusState();
  const test = state?.currentlyRunningTest ?? undefined;
  const timeoutMs = test?.timeout ?? state?.testTimeout;
  return { runner: 'jest', timedOut: test !== undefined && timedOut(test), timeoutMs: typeof timeoutMs === 'number' ? timeoutMs : undefined };
}

/**
 * Turns on the per-test leak guard for this test file: after each test that passed, tracked objects
 * it created (in its beforeEach hooks, its body or its afterEach hooks) that are still alive after
 * garbage collection fail it with a leak report. Call it in a setup file (after 'trackref/jest'), or
 * use testEnvironment 'trackref/jest/environment' with testEnvironmentOptions { trackref: { guard: true } }.
 * Calling it again replaces the options.
 */
export function guardLeaks(options?: GuardOptions): void {
  installJestGuard(parseGuardOptions(options), () => expect.getState());
}

/**
 * Lets the running test keep objects alive: the leak guard skips it (the CI report lists it with the
 * reason). Call it inside the test. Does nothing when the guard is off.
 */
export function allowLeaks(reason: string): void {
  allowLeaksCore(reason);
}

export type { GuardOptions };

const requested = environmentBridge()?.guard;
if (requested !== undefined) guardLeaks(requested);

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    interface Matchers<R, T = {}> {
      /** Runs the received function and fails when instances of any tracked class outlive it. Always `await` it. */
      toLeak(): Promise<R>;
      /** Every tracked class, with options: `toLeak({ runs: 3 })`. Always `await` it. */
      toLeak(options: LeakCheckOptions): Promise<R>;
      /** Runs the received function and fails when instances of `target` outlive it. Always `await` it. */
      toLeak(target: ClassTargets, options?: LeakCheckOptions): Promise<R>;
    }
  }
}

declare module 'expect' {
  interface Matchers<R extends void | Promise<void>, T = unknown> {
    /** Runs the received function and fails when instances of any tracked class outlive it. Always `await` it. */
    toLeak(): Promise<R>;
    /** Every tracked class, with options: `toLeak({ runs: 3 })`. Always `await` it. */
    toLeak(options: LeakCheckOptions): Promise<R>;
    /** Runs the received function and fails when instances of `target` outlive it. Always `await` it. */
    toLeak(target: ClassTargets, options?: LeakCheckOptions): Promise<R>;
  }
}
