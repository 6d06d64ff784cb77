/**
 * The Jest wiring of the leak guard, loaded inside the test file's context (where the tracked
 * classes and trackref's registry live). Listens to jest-circus's test events — through trackref's
 * test environment when it is used (`handleTestEvent`), otherwise through jest-circus's event handler
 * list (Jest 30) — opens a guard window at `test_start` and closes it at `test_done`, after every
 * afterEach hook, failing the test by adding the guard's error to it (with check: 'end-of-file', at
 * `run_finish`, after the afterAll hooks and before Jest builds the file's results); a skipped or
 * todo test's window is closed unjudged at `test_skip` / `test_todo`. Only adapts; the guard is core.
 */
import { LeakGuard, GuardOptions, GuardWindow } from '../src/guard';
import { TrackrefError } from '../src/errors';

/** The parts of a jest-circus test that the guard reads. */
interface CircusTest {
  name: string;
  parent?: CircusBlock;
  errors: unknown[];
  concurrent?: boolean;
  /** Captured where the test is declared: its stack points at the `test(...)` line. */
  asyncError?: { stack?: string };
}

interface CircusBlock {
  name: string;
  parent?: CircusBlock;
}

interface CircusEvent {
  name: string;
  test?: CircusTest;
}

type Listener = (event: CircusEvent) => Promise<void>;

/** What trackref's test environment puts on the test context's global (see jest/environment.ts). */
export interface EnvironmentBridge {
  /** Guard options from `testEnvironmentOptions.trackref`, when the guard is turned on there. */
  guard: GuardOptions | undefined;
  testPath: string;
  /** Routes the environment's `handleTestEvent` calls to the in-context guard. */
  listen(listener: Listener): void;
}

export const BRIDGE = Symbol.for('trackref.jest.environment');
const EVENT_HANDLERS = Symbol.for('EVENT_HANDLERS');

interface ExpectState {
  testPath?: string;
  assertionCalls?: number;
  expectedAssertionsNumber?: number | null;
  isExpectingAssertions?: boolean;
  suppressedErrors?: unknown[];
}

export function environmentBridge(): EnvironmentBridge | undefined {
  const bridge = (globalThis as Record<symbol, unknown>)[BRIDGE];
  return typeof bridge === 'object' && bridge !== null ? (bridge as EnvironmentBridge) : undefined;
}

/** The test's full name as `describe > test` (jest-circus's root block has no parent). */
function fullName(test: CircusTest): string {
  const names = [test.name];
  for (let block = test.parent; block !== undefined && block.parent !== undefined; block = block.parent) names.unshift(block.name);
  return names.join(' > ');
}

let guard: LeakGuard | undefined;

/** Installs the guard for this test file (or, when it is installed already, replaces its options). */
export function installJestGuard(options: GuardOptions | undefined, getState: () => ExpectState): void {
  if (guard !== undefined) {
    guard.configure(options);
    return;
  }
  const bridge = environmentBridge();
  const handlers: unknown = (globalThis as Record<symbol, unknown>)[EVENT_HANDLERS];
  if (bridge === undefined && !Array.isArray(handlers)) {
    throw new TrackrefError(
      "guardLeaks() could not reach Jest's test events. Use trackref's test environment, which works with Jest 29 and 30: " +
        "testEnvironment: 'trackref/jest/environment' with testEnvironmentOptions: { trackref: { guard: true } } " +
        "(and setupFilesAfterEnv: ['trackref/jest']). Without it, guardLeaks() needs Jest 30 and its default runner, jest-circus.",
    );
  }
  const installed = new LeakGuard(options);
  guard = installed;
  const windows = new WeakMap<CircusTest, GuardWindow>();
  const testOf = new WeakMap<GuardWindow, CircusTest>();
  const framesOf = (window: GuardWindow): string | undefined => declaredAt(testOf.get(window));
  const listener: Listener = async (event) => {
    if (event.name === 'run_finish') {
      await settleFile(installed, testOf, framesOf);
      return;
    }
    const test = event.test;
    if (test === undefined) return;
    try {
      if (event.name === 'test_start') {
        const window = installed.begin({ name: fullName(test), file: bridge?.testPath ?? getState().testPath, concurrent: test.concurrent === true });
        windows.set(test, window);
        testOf.set(window, test);
      } else if (event.name === 'test_done') {
        const window = windows.get(test);
        if (window === undefined) return;
        windows.delete(test);
        const error = await installed.end(window, test.errors.length === 0 && !failsOnExpectState(getState()), () => declaredAt(test));
        if (error !== undefined) test.errors.push(error);
      } else if (event.name === 'test_skip' || event.name === 'test_todo') {
        // jest-circus starts a skipped or todo test (a `.skip`, a `.todo`, one `-t` filters out) and
        // never reports it done: its window is closed unjudged, or every later test of the file
        // would overlap it and go unchecked.
        const window = windows.get(test);
        if (window === undefined) return;
        windows.delete(test);
        await installed.end(window, false);
      }
    } catch (error) {
      // Never break the runner: a guard that could not check fails the test with the reason.
      test.errors.push(error);
    }
  };
  if (bridge !== undefined) {
    bridge.listen(listener);
  } else {
    // First in the list, so the error is in place before jest-circus reports the test case; the test's
    // own expect.assertions() and soft errors are added by a later handler, so read them from expect.
    (handlers as unknown[]).unshift(listener);
  }
}

/** 'end-of-file': judges the kept windows and fails their tests; then writes the CI records. */
async function settleFile(installed: LeakGuard, testOf: WeakMap<GuardWindow, CircusTest>, framesOf: (window: GuardWindow) => string | undefined): Promise<void> {
  try {
    for (const { window, error } of await installed.settlePending(framesOf)) testOf.get(window)?.errors.push(error);
  } catch (error) {
    // Never break the runner; with no test to blame, report it as the file's error.
    throw new TrackrefError(`The leak guard could not check this file's tests: ${(error as Error).message}`);
  } finally {
    installed.flush();
  }
}

/** The stack lines of where a test is declared (jest-circus captured them), for the error's code frame. */
function declaredAt(test: CircusTest | undefined): string | undefined {
  const stack = test?.asyncError?.stack;
  if (typeof stack !== 'string') return undefined;
  const frames = stack.split('\n').filter((line) => /^\s+at /.test(line));
  return frames.length === 0 ? undefined : frames.join('\n');
}

/** True when expect's state will fail the test at `test_done` (expect.assertions(n), hasAssertions). */
function failsOnExpectState(state: ExpectState): boolean {
  if ((state.suppressedErrors?.length ?? 0) > 0) return true;
  const calls = state.assertionCalls ?? 0;
  if (typeof state.expectedAssertionsNumber === 'number' && calls !== state.expectedAssertionsNumber) return true;
  return state.isExpectingAssertions === true && calls === 0;
}
