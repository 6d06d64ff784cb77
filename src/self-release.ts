/**
 * The rule for holders that let go by themselves. A leaked instance whose retainer path runs through
 * a holder that releases on its own within a bound — a timeout due within `SELF_RELEASE_LIMIT_MS`,
 * an `AbortSignal.timeout()` signal, or an AsyncLocalStorage store carried by such a timer or by an
 * idle keep-alive socket (closed by its agent's idle timeout: 5 s for Node's global agent, 4 s for
 * fetch's) — is not yet a leak: the check (and the per-test guard) waits for such holders, at most that
 * long, re-collects and re-counts, and fails only if the objects are still held. A check also waits
 * for an interval due within that bound, once, when the test has time left for it: some code clears
 * its interval when it fires, but most intervals hold for good, so this wait is never worth a
 * timeout (and the guard does not make it); likewise, once, for a Node HTTP request awaiting its
 * response (a fire-and-forget request whose callback reads the object: released when its response
 * ends; one whose response never comes holds for good), with the request's own listeners. A
 * listener, a module variable, a timer due later, an interval due later, a request whose response
 * came and is never read, or anything else a pooled socket holds (its listeners and properties pile
 * up as it is reused) is not waited for, nor a holder whose path goes
 * on through a listener list, except the timeout signal's own `'abort'` listeners (they go with it;
 * an `AbortSignal.any()` signal's do not: it lives as long as its sources), and an agent's own
 * listeners on an idle socket of its pool whose idle timeout is due within the bound, when that
 * agent is what leaked (an agent made per request and never destroyed: it destroys the socket when
 * the timeout fires, and goes with it; agentkeepalive's default free-socket timeout is 4 s), and an
 * undici connection whose own dispatcher leaked (an undici Agent per request), for the whole bound:
 * undici's timer closes it (its keep-alive timeout, 4 s by default, cannot be read from the heap).
 * What is still held after the wait may be held by another holder than the one the first paths
 * showed (behind an idle socket's store, a library's last-value slot): the guard looks the paths of
 * what is left up again and judges those (bounded-retention.ts for library slots).
 * Pure: reads report data only, never an object.
 */
import type { LeakedInstance, LeakRow, RetainerHolder } from './report';
import { judgeSteps, ownIdleSocketIndex } from './verdicts';

/** The longest trackref waits for holders that release by themselves. */
export const SELF_RELEASE_LIMIT_MS = 6_000;
/** Slack after a timer's due time, for its callback to run and the collection after it. */
const TIMER_SLACK_MS = 150;

export interface SelfReleaseWait {
  /** How long to wait at most, in milliseconds. */
  ms: number;
  /** What is waited for, in words (`a timeout due in 0.9 s`, `an idle keep-alive socket`). */
  holders: string[];
  /**
   * Only intervals or requests in flight are waited for (see `optional`): they may hold what they
   * hold for good, so a wait that does not fit in the time left is skipped, and the objects are a leak.
   */
  optional?: true;
}

/** A holder's wait; `optional` for an interval's. */
interface HolderWait {
  ms: number;
  text: string;
  optional?: true;
}

/**
 * The wait one holder needs, or undefined when it does not release by itself within the limit. With
 * `optional`, an interval due within the limit is waited for too, once: some code clears its
 * interval when it fires (rxjs runs `timer(300)` on `setInterval` and clears it after the first
 * tick); and a Node HTTP request awaiting its response, for the whole limit (the response may come
 * at any time; one that has come and is never read holds for good).
 */
function waitFor(holder: RetainerHolder, optional: boolean): HolderWait | undefined {
  if (optional && holder.kind === 'http-request' && holder.awaitingResponse === true) return { ms: SELF_RELEASE_LIMIT_MS, text: 'an HTTP request in flight (released when its response ends)', optional: true };
  if (optional && holder.kind === 'timer' && holder.repeat && holder.rearmed !== true) {
    const due = holder.dueInMs !== undefined && holder.dueInMs > 0 ? holder.dueInMs : holder.delayMs;
    if (due === undefined || due + TIMER_SLACK_MS > SELF_RELEASE_LIMIT_MS) return undefined;
    return { ms: due + TIMER_SLACK_MS, text: `an interval due in ${(due / 1000).toFixed(1)} s (its callback may clear it)`, optional: true };
  }
  if (!holder.selfReleasing) return undefined;
  switch (holder.kind) {
    case 'timer': {
      // Due in (when trackref could read the live timer) or, when it could not (a vm context) or the
      // timer is overdue (a socket's idle timeout, refreshed lazily by Node), its whole delay.
      const due = holder.dueInMs !== undefined && holder.dueInMs > 0 ? holder.dueInMs : holder.delayMs;
      if (holder.repeat || due === undefined || due + TIMER_SLACK_MS > SELF_RELEASE_LIMIT_MS) return undefined;
      const text = holder.dueInMs !== undefined && holder.dueInMs > 0 ? `a timeout due in ${(due / 1000).toFixed(1)} s` : `a ${(due / 1000).toFixed(1)} s timeout`;
      return { ms: due + TIMER_SLACK_MS, text };
    }
    case 'idle-socket':
      // An undici connection holding the very dispatcher that leaked (an undici Agent made per
      // request): undici's timer closes it (keep-alive timeout: 4 s by default), and the dispatcher
      // goes with it. Otherwise only as the carrier of an AsyncLocalStorage store (below): what else
      // a pooled socket holds (listeners, properties) piles up as it is reused.
      if (holder.undici === true && holder.ownAgentLeaked === true) return { ms: SELF_RELEASE_LIMIT_MS, text: "an idle keep-alive connection of the leaked undici dispatcher (closed by undici's keep-alive timeout)" };
      return undefined;
    case 'abort-signal': {
      if (!holder.timeout) return { ms: SELF_RELEASE_LIMIT_MS, text: 'an AbortSignal.timeout() or .any() signal (released when it aborts)' };
      if (holder.delayMs === undefined) return { ms: SELF_RELEASE_LIMIT_MS, text: 'an AbortSignal.timeout() signal (released when it aborts)' };
      // It aborts at most its delay after it was made: one that aborts later is not waited for.
      if (holder.delayMs + TIMER_SLACK_MS > SELF_RELEASE_LIMIT_MS) return undefined;
      return { ms: holder.delayMs + TIMER_SLACK_MS, text: `an AbortSignal.timeout(${holder.delayMs}) signal (released when it aborts, within ${(holder.delayMs / 1000).toFixed(1)} s)` };
    }
    case 'async-context':
      return { ms: SELF_RELEASE_LIMIT_MS, text: 'an AsyncLocalStorage store carried by a timer or a pooled socket (released with it)' };
    default:
      return undefined;
  }
}

/**
 * The wait for one instance: the shortest its path allows (a holder on it that will let go). A holder
 * followed on the path by a listener list does not count: listeners added to a pooled socket (or a
 * long-lived timer's object) on every use are the classic pool leak, even though the socket closes
 * some day.
 */
function waitForInstance(instance: LeakedInstance, optional = false): HolderWait | undefined {
  const steps = instance.retainerSteps ?? [];
  let lastListener = -1;
  const ownSocket = ownIdleSocketIndex(steps);
  steps.forEach((step, index) => {
    // The listener list of an AbortSignal.timeout() signal is its own: it goes when the signal aborts.
    // So do an agent's own listeners (its pool's, its clients') after an idle socket of its pool, when
    // that agent is what leaked.
    const previous = steps[index - 1]?.holder;
    const ofTimeoutSignal = previous?.kind === 'abort-signal' && previous.timeout;
    const ofOwnIdleSocket = ownSocket >= 0 && index > ownSocket;
    // A request's own listeners ('error', 'response': the client's) go with it when its response ends.
    const ofRequest = optional && previous?.kind === 'http-request';
    if (step.holder?.kind === 'listener' && !ofTimeoutSignal && !ofOwnIdleSocket && !ofRequest) lastListener = index;
  });
  let best: HolderWait | undefined;
  steps.forEach((step, index) => {
    if (step.holder === undefined || index < lastListener) return;
    let wait = waitFor(step.holder, optional);
    // An AsyncLocalStorage store lets go with the resource carrying it: no sooner than that timer or socket.
    const carrier = step.holder.kind === 'async-context' ? steps.slice(0, index).reverse().find((s) => s.holder?.kind === 'timer' || s.holder?.kind === 'idle-socket') : undefined;
    if (wait !== undefined && carrier?.holder?.kind === 'timer') {
      const carried = waitFor(carrier.holder, false);
      wait = carried === undefined ? undefined : { ms: carried.ms, text: wait.text };
    }
    if (wait !== undefined && (best === undefined || wait.ms < best.ms)) best = wait;
  });
  return best ?? waitForReachingTimeouts(instance);
}

/**
 * The wait for timeouts that reach an instance off its shown path (a TTL cache's purge timers): until
 * the last of those due within the limit, when there are any. Waiting decides nothing by itself: only
 * a re-count that finds the instances gone passes the check.
 */
function waitForReachingTimeouts(instance: LeakedInstance): { ms: number; text: string } | undefined {
  const due = (instance.reachingTimeouts ?? []).filter((ms) => ms + TIMER_SLACK_MS <= SELF_RELEASE_LIMIT_MS).map((ms) => Math.max(0, ms));
  if (due.length === 0) return undefined;
  const last = Math.max(...due);
  return { ms: last + TIMER_SLACK_MS, text: `a timeout due in ${(last / 1000).toFixed(1)} s that also reaches them (its callback may let them go)` };
}

/**
 * After a wait that did not release the instances of `rows`, explained again since: marks each
 * timeout on their paths that was set since the paths were first looked up, `sinceMs` before the
 * second look-up (its delay minus the time it is still due in is within that; without a due time,
 * `sinceMs` outlasted its delay), as re-armed: no code of the check ran meanwhile, so the timer's
 * own code set it again when it fired. Judges those paths' steps again. True when it marked one.
 * `sinceMs` runs from the start of the first look-up to the start of the second: a look-up reads
 * due times as it starts (a look-up's snapshot can take a second on a busy machine; measured to its
 * end, a timer re-armed during the wait read as set before it, and was missed).
 */
export function markRearmedTimers(rows: readonly LeakRow[], sinceMs: number): boolean {
  let marked = false;
  for (const instance of rows.filter((row) => row.leaking).flatMap((row) => row.oldest)) {
    const steps = instance.retainerSteps ?? [];
    let changed = false;
    for (const step of steps) {
      const holder = step.holder;
      if (holder?.kind !== 'timer' || holder.repeat || holder.delayMs === undefined) continue;
      const setAgo = holder.dueInMs === undefined ? undefined : holder.delayMs - holder.dueInMs;
      if (setAgo === undefined ? holder.delayMs + TIMER_SLACK_MS > sinceMs : setAgo > sinceMs) continue;
      holder.rearmed = true;
      holder.selfReleasing = false;
      changed = true;
    }
    if (changed) judgeSteps(steps);
    marked ||= changed;
  }
  return marked;
}

/**
 * For an instance held by a holder that lets go by itself, a line saying so (the guard notes it on
 * the instances of a test that fails for other objects, so the report shows which ones are not the bug).
 */
export function selfReleaseNote(instance: LeakedInstance): string | undefined {
  const wait = waitForInstance(instance);
  return wait === undefined ? undefined : `this holder lets go by itself: ${wait.text} (not counted; a holder that keeps it for good, if any, is not shown)`;
}

/**
 * How long to wait before failing `rows`, or undefined when some reported instance is held by
 * nothing that releases by itself (or has no retainer path): then there is nothing to wait for.
 * `optional`: intervals due within the limit and requests in flight are waited for too, as an
 * optional wait (see waitFor).
 */
export function selfReleaseWait(rows: readonly LeakRow[], optional = false): SelfReleaseWait | undefined {
  const instances = rows.filter((row) => row.leaking).flatMap((row) => row.oldest);
  if (instances.length === 0) return undefined;
  let ms = 0;
  let onlyOptional = true;
  const holders = new Set<string>();
  for (const instance of instances) {
    const wait = waitForInstance(instance, optional);
    if (wait === undefined) return undefined;
    ms = Math.max(ms, wait.ms);
    onlyOptional &&= wait.optional === true;
    holders.add(wait.text);
  }
  return { ms, holders: [...holders], ...(onlyOptional ? { optional: true } : {}) };
}
