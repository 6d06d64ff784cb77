/**
 * Node's own timer functions, taken once when trackref loads. A test's fake timers (sinon's
 * `useFakeTimers()`, @sinonjs/fake-timers under Jest) replace them on the global object and on
 * `node:timers`' exports too, and a check read through either waited for a timer that never fired:
 * it hung until the test's timeout. Every wait, poll and probe of trackref's uses these. Never
 * re-read after load.
 */
import * as timers from 'node:timers';

export const realSetTimeout: typeof timers.setTimeout = timers.setTimeout;
export const realClearTimeout: typeof timers.clearTimeout = timers.clearTimeout;
export const realSetImmediate: typeof timers.setImmediate = timers.setImmediate;

/** Whether the global timer functions are not Node's own now (a test's fake timers are installed). */
export function fakeTimersInstalled(): boolean {
  return globalThis.setTimeout !== realSetTimeout || globalThis.setImmediate !== realSetImmediate;
}
