/**
 * trackref/jest — the Jest setup file (`setupFilesAfterEnv: ['trackref/jest']`). Registers `toLeak`
 * on Jest's `expect`, fails a test that ended while its `toLeak` was still running (not awaited),
 * and declares the matcher's types for the global `expect` and `@jest/globals`. Only wiring: the
 * matcher itself lives in the core.
 */
import { toLeak } from '../src/matcher';
import { assertNoPendingChecks } from '../src/pending';
import type { ClassTargets, LeakCheckOptions } from '../src/targets';
// Brings the 'expect' module (behind @jest/globals) into the program so it can be augmented below.
import type {} from 'expect';

interface JestGlobals {
  expect: { extend(matchers: Record<string, unknown>): void; getState(): { currentTestName?: string } };
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
afterEach(() => assertNoPendingChecks(expect.getState().currentTestName));

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    interface Matchers<R, T = {}> {
      /** Runs the received function and fails when instances of `target` outlive it. Always `await` it. */
      toLeak(target?: ClassTargets, options?: LeakCheckOptions): Promise<R>;
    }
  }
}

declare module 'expect' {
  interface Matchers<R extends void | Promise<void>, T = unknown> {
    /** Runs the received function and fails when instances of `target` outlive it. Always `await` it. */
    toLeak(target?: ClassTargets, options?: LeakCheckOptions): Promise<R>;
  }
}

export {};
