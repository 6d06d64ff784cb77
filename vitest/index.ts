/**
 * trackref/vitest — the Vitest setup file (`setupFiles: ['trackref/vitest']`). Registers `toLeak`
 * on Vitest's `expect`, fails a test that ended while its `toLeak` was still running (not awaited),
 * and declares the matcher's type for Vitest 3, 4 and 5 (through `Assertion`, whose signature
 * all three share). Only wiring: the matcher itself lives in the core.
 */
import { afterEach, expect } from 'vitest';
import { MatcherContextLike, MatcherResultLike, toLeak } from '../src/matcher';
import { assertNoPendingChecks } from '../src/pending';
import type { ClassTargets, LeakCheckOptions } from '../src/targets';

type RawMatcher = (this: MatcherContextLike, received: unknown, ...expected: unknown[]) => Promise<MatcherResultLike>;
(expect.extend as (matchers: Record<string, RawMatcher>) => void)({ toLeak });
afterEach(() => assertNoPendingChecks(expect.getState().currentTestName));

declare module 'vitest' {
  // `T = any` must repeat Vitest's own declaration for the interfaces to merge.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  interface Assertion<T = any> {
    /** Runs the received function and fails when instances of `target` outlive it. Always `await` it. */
    toLeak(target?: ClassTargets, options?: LeakCheckOptions): Promise<void>;
  }
}
