/**
 * The Node timers (`Timeout` objects of setTimeout / setInterval) made while a failing check's
 * confirming runs are watched, kept weakly: a retainer path that starts at a pending timer reads its
 * live Timeout (its delay, when it is due), and V8 finds an object by its heap snapshot id only by
 * walking the whole heap (half a second in a Jest worker), unless the object is one the check
 * already knows. Holds WeakRefs only; never keeps a timer alive or changes one. The init hook sees
 * only timers made while a watch is open. Must never throw into the code creating a resource.
 */
import { sharedInitHook } from './shared-hook';

/** Timers kept at most per watch (later ones are looked up by a heap walk as before). */
const TIMER_LIMIT = 10_000;

let timers: Array<WeakRef<object>> = [];

function onInit(_asyncId: number, type: string, _trigger: number, resource: object): void {
  if (type !== 'Timeout' || timers.length >= TIMER_LIMIT) return;
  try {
    timers.push(new WeakRef(resource));
  } catch {
    // A timer not kept: its path finds it by a heap walk.
  }
}

/** Starts keeping the timers made from now on (one hook for every watcher); returns the function that stops. */
export const watchTimerBirths = sharedInitHook(onInit, () => {
  timers = [];
});

/** The timers made while watched (weakly), for looking live objects up without a heap walk. */
export function timersBorn(): ReadonlyArray<WeakRef<object>> {
  return timers;
}
