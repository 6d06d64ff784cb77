/**
 * The state of a live Node timer (a `Timeout` object found on a retainer path): its delay, whether it
 * repeats, and in how long it fires, measured against Node's timer clock (read from a probe timer
 * made and cleared at once with Node's own setTimeout, taken at load: real-timers.ts). Reads
 * own data properties only, never runs a getter, and keeps neither the timer nor the probe.
 */
import { realClearTimeout as clearNodeTimeout, realSetTimeout as setNodeTimeout } from './real-timers';
import type { TimerState } from './retainers';

/** An own data property's value (undefined for accessors and missing properties). */
function own(obj: object, name: string): unknown {
  const descriptor = Reflect.getOwnPropertyDescriptor(obj, name);
  return descriptor !== undefined && 'value' in descriptor ? descriptor.value : undefined;
}

/** Node's timer clock now (milliseconds, the base of every Timeout's `_idleStart`), or undefined. */
export function timerClockNow(): number | undefined {
  const probe = setNodeTimeout(() => undefined, 1);
  try {
    const start = own(probe, '_idleStart');
    return typeof start === 'number' ? start : undefined;
  } finally {
    clearNodeTimeout(probe);
  }
}

/** The state of `timer` (a Node Timeout) at clock time `now`; undefined when it is not one. */
export function timerStateOf(timer: object, now: number | undefined): TimerState | undefined {
  const start = own(timer, '_idleStart');
  const delay = own(timer, '_idleTimeout');
  const repeat = own(timer, '_repeat');
  if (typeof start !== 'number' || typeof delay !== 'number' || delay < 0 || now === undefined) return undefined;
  return { delayMs: delay, repeat: typeof repeat === 'number', dueInMs: start + delay - now };
}
