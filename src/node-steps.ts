/**
 * Retainer path steps through Node's own holders: a timer in Node's timer lists (`setTimeout(…, 30000)
 * pending, due in 29.6 s`), an EventTarget's listener list, a promise's reactions (`.then(onDone)`,
 * `→ await in crawl()`), a keep-alive socket in an http.Agent's free list. Reads snapshot data only;
 * a timer's live state comes from the caller's reader. Never decides where a path starts.
 */
import type { RetainerStep } from './retainers';
import { isTimeout, scriptOfClosure, targetNamed } from './holders';
import { accessor, mapSlotRole, nameOf, type SlotNamer, stringText, targetOfIndex } from './path-names';
import type { HeapGraph } from './snapshot/graph';

/** A timer's live state: its delay, whether it repeats, and in how long it fires next. */
export interface TimerState {
  delayMs: number;
  repeat: boolean;
  dueInMs: number;
}

/** Reads the live state of the timer reached by `edges[index]` (optional; explain.ts reads the Timeout object). */
export type TimerReader = (edges: readonly number[], index: number) => TimerState | undefined;

/** How a timer reads in a path: `setTimeout(…, 30000) pending, due in 29.6 s`. */
export function timerText(repeat: boolean | undefined, delayMs: number | undefined, dueInMs: number | undefined): string {
  const api = repeat === true ? 'setInterval' : 'setTimeout';
  const call = `${api}(…${delayMs === undefined ? '' : `, ${delayMs}`})`;
  if (dueInMs === undefined) return `${call} pending`;
  return `${call} pending, ${repeat === true ? 'next' : 'due'} in ${(Math.max(0, dueInMs) / 1000).toFixed(1)} s`;
}

/** `agent.freeSockets['host:port:'][0]` for a socket waiting in an http.Agent's free list (`entry`: freeSocketEntry's). */
export function freeSocketName(graph: HeapGraph, entry: FreeSocketEntry, nameSlot?: SlotNamer): string {
  const agentName = nameOf(graph, entry.agent, nameSlot) ?? `(${graph.nodeName(entry.agent) || 'Agent'})`;
  return `${agentName}.freeSockets${accessor(graph.edgeName(entry.toList))}${accessor(graph.edgeName(entry.toSocket))}`;
}

/** Where an idle keep-alive socket sits in an http.Agent's free list: the agent and the two edges from its free list to the socket. */
export interface FreeSocketEntry {
  agent: number;
  toList: number;
  toSocket: number;
}

/** The place of a socket in an http.Agent's free list (`agent.freeSockets[host][i]`), or undefined when no free list holds it. */
export function freeSocketEntry(graph: HeapGraph, socket: number): FreeSocketEntry | undefined {
  let found: FreeSocketEntry | undefined;
  graph.forEachRetainer(socket, (list, toSocket) => {
    if (found !== undefined || graph.edgeType(toSocket) !== graph.edgeElement || graph.nodeName(list) !== 'Array') return;
    graph.forEachRetainer(list, (byHost, toList) => {
      if (found !== undefined || graph.edgeType(toList) !== graph.edgeProperty) return;
      graph.forEachRetainer(byHost, (agent, toByHost) => {
        if (found === undefined && graph.edgeName(toByHost) === 'freeSockets') found = { agent, toList, toSocket };
      });
    });
  });
  return found;
}

/** An undici timer object (FastTimer since undici 6.20; its own `Timeout` class before). */
const UNDICI_TIMER = /^(?:FastTimer|Timeout)$/;

/**
 * Whether `socket` is an idle connection of an undici `Client` with an undici timer pending on it
 * (its parser's `timeout`: with no request queued or in flight, the keep-alive timeout), which undici
 * closes by itself in time; false for any other socket, or one a request is using. Undici's own
 * sockets (fetch's too) are in no http.Agent free list: their client's timer closes them.
 */
export function isUndiciIdleSocket(graph: HeapGraph, socket: number): boolean {
  const client = targetNamed(graph, socket, '<symbol client>');
  const parser = targetNamed(graph, socket, '<symbol parser>');
  const timer = parser < 0 ? -1 : targetNamed(graph, parser, 'timeout');
  return client >= 0 && graph.nodeName(client) === 'Client' && timer >= 0 && UNDICI_TIMER.test(graph.nodeName(timer)) && !hasRequestQueued(graph, client);
}

/** Whether an undici Client has a request queued or in flight (its queue keeps `null` where a request ended). */
function hasRequestQueued(graph: HeapGraph, client: number): boolean {
  const queue = targetNamed(graph, client, '<symbol queue>');
  if (queue < 0) return false;
  for (let e = graph.firstEdge[queue]!; e < graph.firstEdge[queue + 1]!; e++) {
    if (graph.edgeType(e) === graph.edgeElement && graph.nodeType(graph.edgeTo(e)) === 'object' && !graph.nodeName(graph.edgeTo(e)).startsWith('system /')) return true;
  }
  return false;
}

/** The delay of a timer found in Node's timer lists: the key of its list in `timerListMap`. */
export function timerListDelay(graph: HeapGraph, edges: readonly number[], index: number): number | undefined {
  for (let i = index; i >= 0; i--) {
    const to = graph.edgeTo(edges[i]!);
    if (graph.nodeName(to) === 'TimersList') {
      const name = graph.edgeName(edges[i]!);
      return graph.edgeType(edges[i]!) === graph.edgeElement && typeof name === 'number' ? name : undefined;
    }
    if (!isTimeout(graph, to)) return undefined;
  }
  return undefined;
}

/**
 * An EventTarget listener on the path from `edges[index]` (the `kEvents` property): the events Map,
 * its table slot holding the event's list, the list's `next` links, a Listener, and its function.
 * Returns the event name, the listener's position in the list and the index of the last edge used.
 */
export function eventTargetListener(graph: HeapGraph, edges: readonly number[], index: number): { event: string; position: number; end: number } | undefined {
  const map = graph.edgeTo(edges[index]!);
  const tableEdge = edges[index + 1];
  const slotEdge = edges[index + 2];
  if (graph.nodeName(map) !== 'Map' || tableEdge === undefined || slotEdge === undefined || graph.edgeName(tableEdge) !== 'table') return undefined;
  const table = graph.edgeTo(tableEdge);
  const slot = Number(graph.edgeName(slotEdge));
  if (mapSlotRole(graph, table, slot) !== 'value') return undefined;
  const keyNode = targetOfIndex(graph, table, slot - 1);
  if (keyNode < 0) return undefined;
  const event = stringText(graph, keyNode);
  let position = -1;
  for (let j = index + 3; j < edges.length; j++) {
    const name = graph.edgeName(edges[j]!);
    if (name === 'next') position++;
    else if ((name === 'listener' || name === 'callback') && graph.nodeType(graph.edgeTo(edges[j]!)) === 'closure') return { event, position: Math.max(0, position), end: j };
    else return undefined;
  }
  return undefined;
}


/** The name of a promise reaction's fulfil handler (its field 1), or '…'. */
export function fulfilName(graph: HeapGraph, reaction: number): string {
  const handler = targetOfIndex(graph, reaction, 1);
  return handler >= 0 && graph.nodeType(handler) === 'closure' && graph.nodeName(handler) !== '' ? graph.nodeName(handler) : '…';
}

/**
 * A promise's reaction as the user wrote it, from the reaction edge at `index`: `.then(onDone)` (the
 * handler is the next step), `.then(onDone)` reaching the promise `then` returned, or
 * ` → await in crawl()` (an async function suspended at an `await`; its variables come next).
 * V8 numbers a reaction's fields: 0 the reject handler, 1 the fulfil handler, 2 the derived promise.
 */
/** ` → await in crawl()`: the async function whose suspended state (its generator object) is `generator`. */
export function awaitIn(graph: HeapGraph, generator: number): string {
  const fn = targetNamed(graph, generator, 'function');
  return ` → await in ${fn >= 0 && graph.nodeName(fn) !== '' ? graph.nodeName(fn) : 'anonymous'}()`;
}

export function promiseReactionStep(graph: HeapGraph, edges: readonly number[], index: number): { step: RetainerStep; end: number } {
  const holder = { kind: 'promise-reaction', selfReleasing: false } as const;
  let j = index + 1;
  // Several reactions on one promise are linked to each other.
  while (j < edges.length - 1 && graph.nodeName(graph.edgeTo(edges[j]!)) === 'system / PromiseReaction') j++;
  const reaction = graph.edgeFrom(edges[j]!);
  const field = graph.edgeName(edges[j]!);
  const to = graph.edgeTo(edges[j]!);
  if (graph.nodeType(to) === 'closure') {
    // An `await`: V8's own handler, whose context's extension is the suspended async function.
    const context = targetNamed(graph, to, 'context');
    const generator = context < 0 ? -1 : targetNamed(graph, context, 'extension');
    if (graph.nodeName(to) === '' && generator >= 0 && graph.nodeName(generator) === 'Generator' && edges[j + 2] !== undefined && graph.edgeTo(edges[j + 2]!) === generator) {
      return { step: { text: awaitIn(graph, generator), node: generator, anchor: false, holder }, end: j + 2 };
    }
    // V8's own handlers (Promise.race's and Promise.all's resolve and reject functions) have no name
    // or script: the user's code passed them to `then` without naming them.
    if (graph.nodeName(to) === '' && scriptOfClosure(graph, to) === '') return { step: { text: '.then(…)', node: to, anchor: false, holder }, end: j };
    const handler = graph.nodeName(to) || 'anonymous';
    return { step: { text: field === 0 || field === '0' ? `.catch(${handler})` : `.then(${handler})`, node: to, anchor: false, holder }, end: j };
  }
  if (graph.nodeName(to) === 'Promise') return { step: { text: `.then(${fulfilName(graph, reaction)})`, node: to, anchor: false, holder }, end: j };
  return { step: { text: '', node: to, anchor: false }, end: j };
}

/** Timers followed at most along a timer list to find the list (and so its delay). */
const TIMER_LIST_STEPS = 10_000;

/**
 * The delay of an `AbortSignal.timeout(delay)` signal, from the snapshot: Node aborts it from a
 * Timeout whose callback holds the signal through a WeakRef; that Timeout waits in the timer list of
 * its delay (`timerListMap[delay]`). Undefined when the timer is not found (the signal aborted, or
 * Node made it another way).
 */
export function timeoutSignalDelay(graph: HeapGraph, signal: number): number | undefined {
  let timer = -1;
  graph.forEachRetainer(signal, (weakRef) => {
    if (timer >= 0 || graph.nodeName(weakRef) !== 'WeakRef') return;
    graph.forEachRetainer(weakRef, (context, toWeakRef) => {
      if (timer >= 0 || graph.edgeType(toWeakRef) !== graph.edgeContext) return;
      graph.forEachRetainer(context, (closure, toContext) => {
        if (timer >= 0 || graph.nodeType(closure) !== 'closure' || graph.edgeName(toContext) !== 'context') return;
        graph.forEachRetainer(closure, (holder, toClosure) => {
          if (timer < 0 && graph.edgeName(toClosure) === '_onTimeout' && isTimeout(graph, holder)) timer = holder;
        });
      });
    });
  });
  if (timer < 0) return undefined;
  // Along the list's links (`_idleNext`, `_idlePrev`) to the TimersList, which timerListMap holds by delay.
  const seen = new Set<number>([timer]);
  const queue = [timer];
  for (let head = 0; head < queue.length && head < TIMER_LIST_STEPS; head++) {
    let delay: number | undefined;
    graph.forEachRetainer(queue[head]!, (retainer, edge) => {
      if (delay !== undefined || seen.has(retainer)) return;
      const name = graph.edgeName(edge);
      if (name !== '_idleNext' && name !== '_idlePrev') return;
      seen.add(retainer);
      if (graph.nodeName(retainer) !== 'TimersList') {
        if (isTimeout(graph, retainer)) queue.push(retainer);
        return;
      }
      graph.forEachRetainer(retainer, (_map, toList) => {
        const key = graph.edgeName(toList);
        if (delay === undefined && graph.edgeType(toList) === graph.edgeElement && typeof key === 'number') delay = key;
      });
    });
    if (delay !== undefined) return delay;
  }
  return undefined;
}
