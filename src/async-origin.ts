/**
 * Async origins: where the user's code started the async work that is running now. An object Node or
 * a library makes in a callback (an `IncomingMessage` when a response's headers arrive, fetch's
 * `Response`, a server's socket) has no frame of the user's code on its own stack. While a watch is
 * open (the confirming runs of a failing check, which capture allocation sites), an async_hooks init
 * hook notes, for every async resource created (a request, a socket, a parser, a timer, a promise),
 * the resource whose work created it and, when the user's code was on the stack, that stack
 * (formatted, cached per site). Following the resource running when an object is made back through
 * what triggered it finds the user's line that started that work.
 *
 * Keeps numbers and strings only: never a resource, a CallSite or a frame's receiver. The notes are
 * dropped when the last watch closes, and stop past NOTE_LIMIT (then origins are not found for work
 * started later). Must never throw into the code creating a resource.
 */
import { executionAsyncId } from 'node:async_hooks';
import { sharedInitHook } from './shared-hook';
import { callSiteFile, callSitesOf, formattedStack, isUserFile } from './stack-frames';

/** Frames read at a resource's creation: enough to pass Node's and a library's frames down to the user's code. */
const ORIGIN_FRAMES = 40;
/** Resources noted at most per watch: a check's confirming runs make far fewer. */
const NOTE_LIMIT = 200_000;
/** Steps followed back from the running resource at most. */
const MAX_HOPS = 64;

/** For each resource created while watched: the resource whose work created it. */
const triggers = new Map<number, number>();
/** For resources created with the user's code on the stack: that stack, formatted, down to the user's first frame. */
const userStacks = new Map<number, string>();
/** Stacks formatted while watched, by their frames' signature (dropped with the notes). */
const formatted = new Map<string, string>();

function onInit(asyncId: number, _type: string, triggerAsyncId: number): void {
  if (triggers.size >= NOTE_LIMIT) return;
  try {
    triggers.set(asyncId, triggerAsyncId);
    const sites = callSitesOf(ORIGIN_FRAMES, onInit);
    const user = sites === undefined ? -1 : sites.findIndex((site) => isUserFile(callSiteFile(site) ?? ''));
    if (user < 0) return;
    // Formatted down to the user's first frame only (its header line, then the frames).
    const stack = formattedStack(user + 1, onInit, formatted, sites);
    if (stack !== undefined) userStacks.set(asyncId, stack);
  } catch {
    // A resource without a noted origin: the report shows the library's frame instead.
  }
}

/** Starts noting async resources' origins (one hook for every watcher); returns the function that stops. */
export const watchAsyncOrigins = sharedInitHook(onInit, () => {
  triggers.clear();
  userStacks.clear();
  formatted.clear();
});

/**
 * The stack (formatted, innermost frame first) at which the user's code started the async work
 * running now: the nearest resource, from the running one back through what triggered each, that was
 * created with a frame of the user's code on the stack. Undefined when none was noted (no watch is
 * open, or the work was started before it opened).
 */
export function asyncOriginStack(): string | undefined {
  if (triggers.size === 0) return undefined;
  let id = executionAsyncId();
  for (let hop = 0; hop < MAX_HOPS && id > 0; hop++) {
    const stack = userStacks.get(id);
    if (stack !== undefined) return stack;
    const trigger = triggers.get(id);
    if (trigger === undefined || trigger === id) return undefined;
    id = trigger;
  }
  return undefined;
}
