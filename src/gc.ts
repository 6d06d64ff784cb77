/**
 * Forced, settled garbage collection without `--expose-gc`: uses the `gc` global when Node exposes
 * it, and otherwise obtains V8's gc extension through `v8.setFlagsFromString` and a fresh vm context
 * (works in the main thread, worker threads and vm contexts). Also a young-generation collection
 * (a scavenge) through the same function. Never touches user objects.
 */
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { realSetImmediate, realSetTimeout } from './real-timers';
import { now } from './clock';

/** V8's gc extension: no argument for a full collection (on Node 20, `{ type: 'major' }` collected nothing). */
type GcFunction = (options?: { type: 'minor' }) => void;

let cachedGc: GcFunction | undefined;

/** V8's full-collection function, exposed or not. */
export function gcFunction(): GcFunction {
  if (cachedGc !== undefined) return cachedGc;
  const exposed: unknown = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === 'function') {
    cachedGc = exposed as GcFunction;
  } else {
    v8.setFlagsFromString('--expose-gc');
    try {
      cachedGc = vm.runInNewContext('gc') as GcFunction;
    } finally {
      // Stop handing `gc` to contexts created from now on (e.g. the next Jest test file's).
      v8.setFlagsFromString('--no-expose-gc');
    }
  }
  return cachedGc;
}

/**
 * A scavenge: V8 collects the young generation only (≤0.02x a full collection of a big heap). It
 * drops WeakSet and WeakMap entries whose young keys died, but treats WeakRefs and
 * FinalizationRegistry entries as strong (clears none, runs no finalizer), and leaves objects
 * promoted to the old generation alone. Synchronous. If the `gc` global is not V8's and ignores its
 * argument, this does whatever it does (a full collection collects more, never less).
 */
export function collectYoung(): void {
  gcFunction()({ type: 'minor' });
}

/** Resolves after the current macrotask, once pending finalizers and WeakRef clearing had a turn. */
export function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => realSetImmediate(resolve));
}

/** Resolves after `ms` milliseconds on a real (never faked) timer. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => realSetTimeout(resolve, ms));
}

/**
 * A full collection, settled: collects, lets finalizers and WeakRef clearing run, and collects again
 * so that whatever those finalizers released is gone too.
 */
export async function collectGarbage(): Promise<void> {
  const gc = gcFunction();
  gc();
  await nextMacrotask();
  gc();
  await nextMacrotask();
}

/**
 * One full collection and a turn for the finalizers and WeakRef clearing it triggered. Settled only
 * when what came before was a collection followed by a turn (e.g. a sleep after `collectGarbage`):
 * then this is the second collection a settled one needs, and running `collectGarbage` would
 * collect a third time for nothing.
 */
export async function collectAgain(): Promise<void> {
  gcFunction()();
  await nextMacrotask();
}

/**
 * Waits before re-collecting while a grown count may still shrink: about 0.1 s when nothing falls
 * (two re-counts), up to about 0.5 s in all while the count keeps falling.
 */
export const BACK_OFF_MS: readonly number[] = [25, 75, 150, 250];

/** Re-counts in a row that did not fall before the back-off gives up. */
const PATIENCE = 2;

/**
 * The bounded back-off before a leak verdict: while `excess` (what is over the tolerance) is above
 * zero, wait, let `remeasure` collect and count again, and stop once the count has not fallen on
 * `PATIENCE` re-counts in a row, so pending finalization or just-finishing async work (a timer that
 * releases the object shortly after fn returns) cannot cause a false failure. `remeasure` is told
 * whether its count may be the last (the back-off ends after it unless the count fell): that count
 * must follow a settled collection; the others may follow one collection after the wait (the wait
 * was the turn for the finalizers of the collection before it).
 */
export async function backOffWhileFalling(excess: number, remeasure: (mayBeLast: boolean) => Promise<number>): Promise<void> {
  let current = excess;
  let unchanged = 0;
  for (const [i, delay] of BACK_OFF_MS.entries()) {
    if (current === 0) return;
    await sleep(delay);
    const next = await remeasure(unchanged + 1 >= PATIENCE || i === BACK_OFF_MS.length - 1);
    if (next < current) {
      current = next;
      unchanged = 0;
    } else if (++unchanged >= PATIENCE) {
      return;
    }
  }
}

/** How often `waitWhileHeld` collects and re-counts. */
const HELD_POLL_MS = 250;

/** How much later than planned the wait may end because timers ran late (a busy machine). */
const HELD_LAG_LIMIT_MS = 2_000;

/**
 * Waits up to `limitMs` for objects held by holders that let go by themselves (see self-release.ts):
 * every 250 ms `stillHeld` collects and re-counts; resolves to its last answer (false: released).
 * When its own sleeps end late (the event loop was busy: the awaited timers run late too), the
 * deadline moves by as much, up to HELD_LAG_LIMIT_MS in all.
 */
export async function waitWhileHeld(limitMs: number, stillHeld: () => Promise<boolean>): Promise<boolean> {
  let deadline = now() + limitMs;
  let lagAllowed = HELD_LAG_LIMIT_MS;
  for (;;) {
    const remaining = deadline - now();
    const planned = Math.max(0, Math.min(HELD_POLL_MS, remaining));
    const slept = now();
    await sleep(planned);
    const lag = Math.min(lagAllowed, Math.max(0, now() - slept - planned));
    deadline += lag;
    lagAllowed -= lag;
    if (!(await stillHeld())) return false;
    if (deadline - now() <= 0) return true;
  }
}
