/**
 * Creation stamps and ages. Every tracked object gets a stamp: a sequence number from `nextStamp()`,
 * which is all the constructor's hot path pays for. The wall clock is sampled only on the slow path
 * (when stamping resumes after an idle spell, every 65,536 stamps, and from an unref'd timer while
 * stamping goes on), and `stampTime()` turns a stamp back into a time from those samples.
 * This module never stores or references a tracked object.
 */
import { performance } from 'node:perf_hooks';
import { realSetTimeout } from './real-timers';

/** How often the timer samples the clock while objects keep being created. */
const SAMPLE_INTERVAL_MS = 100;
/** Samples kept before old ones are thinned out (old ages need less resolution). */
const MAX_SAMPLES = 8192;

/** Milliseconds on a monotonic clock, immune to fake timers installed after load. */
export const now: () => number = performance.now.bind(performance);

/**
 * The time of day as `Date.now()` gives it, read from Node's own clock: a test's fake timers
 * (sinon's, Jest's) replace the global `Date` and stop it, which made a check's waits never end
 * (and `performance.now`, read at load for `now`).
 */
export function wallClockNow(): number {
  return performance.timeOrigin + now();
}

export interface StampState {
  /** The last stamp handed out. */
  seq: number;
  /** True when the next stamp must take the slow path (clock idle, or births are being counted). */
  slow: boolean;
  /** True when no timer is sampling the clock. */
  idle: boolean;
  /** How many users need every stamp to take the slow path (open birth ledgers, site capture). */
  slowPathUsers: number;
}

export const stamps: StampState = { seq: 0, slow: true, idle: true, slowPathUsers: 0 };

let sampleSeq = new Float64Array(256);
let sampleTime = new Float64Array(256);
let sampleCount = 0;
let lastTimerSeq = -1;

/**
 * Records that stamps above `seq` are handed out after `time`. A later sample with the same `seq`
 * moves the last one forward: no stamp was handed out meanwhile, and the next one is at least that
 * recent (keeping the earlier time aged an object made after an idle spell from the spell's start).
 */
function record(seq: number, time: number): void {
  if (sampleCount > 0 && sampleSeq[sampleCount - 1] === seq) {
    sampleTime[sampleCount - 1] = time;
    return;
  }
  if (sampleCount === sampleSeq.length) {
    if (sampleCount >= MAX_SAMPLES) {
      thin();
    } else {
      const grownSeq = new Float64Array(sampleCount * 2);
      const grownTime = new Float64Array(sampleCount * 2);
      grownSeq.set(sampleSeq);
      grownTime.set(sampleTime);
      sampleSeq = grownSeq;
      sampleTime = grownTime;
    }
  }
  sampleSeq[sampleCount] = seq;
  sampleTime[sampleCount] = time;
  sampleCount++;
}

/** Drops every other sample in the older half, keeping the newest half at full resolution. */
function thin(): void {
  const half = sampleCount >> 1;
  let out = 0;
  for (let i = 0; i < half; i += 2) {
    sampleSeq[out] = sampleSeq[i]!;
    sampleTime[out] = sampleTime[i]!;
    out++;
  }
  for (let i = half; i < sampleCount; i++) {
    sampleSeq[out] = sampleSeq[i]!;
    sampleTime[out] = sampleTime[i]!;
    out++;
  }
  sampleCount = out;
}

function tick(): void {
  const seq = stamps.seq;
  record(seq, now());
  if (seq === lastTimerSeq) {
    stamps.idle = true;
    stamps.slow = true;
    return;
  }
  lastTimerSeq = seq;
  realSetTimeout(tick, SAMPLE_INTERVAL_MS).unref();
}

/**
 * The slow part of stamping: called for stamp `seq` when `stamps.slow` is set or every 65,536 stamps.
 * Samples the clock just before `seq` was handed out and keeps the sampling timer running.
 */
export function sampleClock(seq: number): void {
  record(seq - 1, now());
  if (stamps.idle) {
    stamps.idle = false;
    stamps.slow = stamps.slowPathUsers > 0;
    lastTimerSeq = seq;
    realSetTimeout(tick, SAMPLE_INTERVAL_MS).unref();
  }
}

/**
 * Samples the clock now, for stamps handed out from here on: after the event loop was blocked (a
 * heap snapshot, a long collection) the sampling timer has not run, and the next objects would be
 * aged from the sample before the block. Stamps already handed out keep their times.
 */
export function sampleNow(): void {
  record(stamps.seq, now());
}

/** Hands out the next stamp without the slow path (for explicitly tracked objects). */
export function stampNow(): number {
  const seq = ++stamps.seq;
  sampleClock(seq);
  return seq;
}

/**
 * When the object with stamp `seq` was created, in `now()` milliseconds: the time of the latest clock
 * sample taken before it, so ages are never under-reported and are exact for objects created after
 * an idle spell. Accurate to the sampling interval otherwise.
 */
export function stampTime(seq: number): number {
  record(stamps.seq, now());
  let lo = 0;
  let hi = sampleCount - 1;
  // Find the last sample whose seq is below `seq`.
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (sampleSeq[mid]! < seq) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return sampleTime[lo]!;
}

/** Age in milliseconds of the object with stamp `seq`, as of `at` (default: now). */
export function ageOf(seq: number, at: number = now()): number {
  return Math.max(0, at - stampTime(seq));
}

/** Registers (1) or unregisters (-1) a user that needs every stamp to take the slow path; returns how many remain. */
export function requireSlowPath(delta: 1 | -1): number {
  stamps.slowPathUsers += delta;
  stamps.slow = stamps.slowPathUsers > 0 || stamps.idle;
  return stamps.slowPathUsers;
}
