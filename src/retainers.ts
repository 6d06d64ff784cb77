/**
 * Retainer paths: turns the shortest path from a GC root to a leaked object (in a heap snapshot)
 * into what the user would write — `scheduler.queue[0].meta.referer`, `cache.get('http://…')`,
 * `globalThis.x`, `SpiderRegistry.all[3]`, `emitter listeners 'tick' → onTick() → item`,
 * `signal listeners 'abort' → onAbort() → request`, `setTimeout(…, 30000) pending → onTimeout() → command`,
 * `pending[2].then(onDone) → onDone() → item` — starting from the last holder the user can act on
 * (a module variable, a global, a class, a module's exports, a pending timer), with the holder kinds
 * it recognised on its steps. Works on snapshot data only; live state (a timer's due time) comes
 * from the caller's callbacks, and this module never touches live objects itself.
 */
import type { RetainerHolder } from './report';
import {
  displayFile,
  isNodeInternal,
  isRunnerInternal,
  isTimeout,
  moduleRecordFile,
  publicNodeVariable,
  scriptOfClosure,
  scriptOfContext,
  targetNamed,
  timerRepeats,
} from './holders';
import { HeapGraph } from './snapshot/graph';

export interface RetainerStep {
  /** What the step adds to the path, e.g. `.meta`, `[0]`, `.get('k')`, `scheduler`. */
  text: string;
  /** The object reached by this step. */
  node: number;
  /** True when this step names a variable, global or class the user can look up. */
  anchor: boolean;
  /** For a variable: true when it lives in a function nested inside another (not module scope). */
  nested?: boolean;
  /** A holder the user can act on (module variable, global, class, module exports, pending timer): the shown path may start here. */
  start?: boolean;
  /** What kind of holder this step is, when recognised. */
  holder?: RetainerHolder;
  /** For a module variable or a module's exports: the module's file, as shown. */
  file?: string;
}

export interface RetainerPath {
  /** The path as the user would write it, from the last anchor (folded in the middle when long). */
  text: string;
  /** Every step from the root, for callers that annotate them. */
  steps: RetainerStep[];
  /** Index in `steps` where `text` starts. */
  start: number;
  /** The path's edges, from a root (as `HeapGraph.pathTo` gives them); each step's node is reached by one of them. */
  edges: number[];
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
/** V8's edge name for a WeakMap entry: "N / part of key (Class @K) -> value (Class @V) pair in WeakMap (table @T)". */
const EPHEMERON = /part of key \(.*? @(\d+)\) -> value .* pair in WeakMap \(table @(\d+)\)/;
const MAX_SHOWN_STEPS = 8;

function quote(text: string): string {
  const short = text.length > 40 ? `${text.slice(0, 39)}…` : text;
  return `'${short.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

function accessor(name: string | number): string {
  if (typeof name === 'number') return `[${name}]`;
  if (/^\d+$/.test(name)) return `[${name}]`;
  return IDENTIFIER.test(name) ? `.${name}` : `[${quote(name)}]`;
}

/** A JavaScript global object (of the main context, a worker or a vm context): it has a global proxy. */
function isGlobalObject(graph: HeapGraph, node: number): boolean {
  if (graph.nodeType(node) !== 'object') return false;
  for (let e = graph.firstEdge[node]!; e < graph.firstEdge[node + 1]!; e++) {
    if (graph.edgeName(e) === 'global_proxy') return true;
  }
  return false;
}

/** The text of a string node, joining the parts of concatenated strings (up to a short length). */
function stringText(graph: HeapGraph, node: number, budget = 60): string {
  if (graph.nodeType(node) !== 'concatenated string') return graph.nodeName(node).slice(0, budget);
  let text = '';
  for (let e = graph.firstEdge[node]!; e < graph.firstEdge[node + 1]! && text.length < budget; e++) {
    const part = graph.edgeName(e);
    if (part === 'first' || part === 'second') text += stringText(graph, graph.edgeTo(e), budget - text.length);
  }
  return text;
}

/**
 * The variable name of a context slot reached by a hidden edge: V8 leaves some contexts' slots
 * unnamed (e.g. module code run by Vitest), but the context's ScopeInfo lists the names in order.
 */
function contextSlotName(graph: HeapGraph, context: number, index: number): string | undefined {
  const names: string[] = [];
  let slots = 0;
  for (let e = graph.firstEdge[context]!; e < graph.firstEdge[context + 1]!; e++) {
    if (graph.edgeType(e) === graph.edgeHidden) slots++;
    if (graph.edgeName(e) !== 'scope_info') continue;
    const scopeInfo = graph.edgeTo(e);
    for (let f = graph.firstEdge[scopeInfo]!; f < graph.firstEdge[scopeInfo + 1]!; f++) {
      if (graph.edgeType(f) === graph.edgeHidden) names.push(graph.nodeName(graph.edgeTo(f)));
    }
  }
  // The snapshot numbers only slots holding objects: a slot holding a small integer has no edge and
  // would shift every later name. Trust the names only when every listed variable has its slot.
  if (names.length === 0 || names.length !== slots) return undefined;
  const name = names[index];
  return name !== undefined && IDENTIFIER.test(name) ? name : undefined;
}

/** How many function scopes enclose a closure context (1 = module or script scope). */
function contextDepth(graph: HeapGraph, context: number): number {
  let depth = 0;
  let node = context;
  while (graph.nodeName(node) === 'system / Context' && depth < 50) {
    depth++;
    let previous = -1;
    for (let e = graph.firstEdge[node]!; e < graph.firstEdge[node + 1]!; e++) {
      if (graph.edgeName(e) === 'previous') previous = graph.edgeTo(e);
    }
    if (previous < 0) break;
    node = previous;
  }
  return depth;
}

/** The WeakMap (or Map/Set) object that owns a hash table. */
function ownerOfTable(graph: HeapGraph, table: number): number | undefined {
  let owner: number | undefined;
  graph.forEachRetainer(table, (retainer, edge) => {
    if (owner === undefined && graph.edgeName(edge) === 'table') owner = retainer;
  });
  return owner;
}

/** A name the user knows an object by: the variable or property it is held through, if any. */
function nameOf(graph: HeapGraph, node: number, nameSlot?: SlotNamer): string | undefined {
  const edge = graph.parentEdges()[node]!;
  if (edge < 0) return undefined;
  const type = graph.edgeType(edge);
  const name = graph.edgeName(edge);
  if (type === graph.edgeContext || type === graph.edgeProperty) return typeof name === 'string' && IDENTIFIER.test(name) ? name : undefined;
  if (type === graph.edgeHidden && graph.nodeName(graph.edgeFrom(edge)) === 'system / Context') {
    const context = graph.edgeFrom(edge);
    return contextSlotName(graph, context, Number(name)) ?? nameSlot?.(context, node);
  }
  return undefined;
}

/** A short label for a node used as a map key or a closure. */
function describeKey(graph: HeapGraph, node: number): string {
  const type = graph.nodeType(node);
  const name = graph.nodeName(node);
  if (type === 'string' || type === 'concatenated string' || type === 'sliced string') return quote(stringText(graph, node));
  if (type === 'number') return name;
  if (type === 'closure') return `${name || 'anonymous'}()`;
  return name || type;
}

/**
 * Whether a slot of a Map's hash table holds a key or a value. V8's OrderedHashMap is a FixedArray:
 * 3 header slots, one slot per bucket, then entries of (key, value, chain), with two entries per
 * bucket, so its length is 3 + 7 × buckets. The length comes from the table's self size (16-byte
 * header and 8-byte slots, or 8 and 4 with pointer compression); undefined when neither fits.
 */
function mapSlotRole(graph: HeapGraph, table: number, index: number): 'key' | 'value' | undefined {
  const size = graph.selfSize(table);
  for (const [header, slot] of [[16, 8], [8, 4]] as const) {
    const length = (size - header) / slot;
    if (!Number.isInteger(length) || length < 10 || (length - 3) % 7 !== 0) continue;
    const entries = 3 + (length - 3) / 7;
    if (index < entries) return undefined;
    const role = (index - entries) % 3;
    return role === 0 ? 'key' : role === 1 ? 'value' : undefined;
  }
  return undefined;
}

/** How a Map holds the object in a slot of its table: `.get('key')`, `(Map key)` or `(Map entry)`. */
function mapStep(graph: HeapGraph, table: number, index: number): string {
  const role = mapSlotRole(graph, table, index);
  if (role === 'key') return ' (Map key)';
  if (role === undefined) return ' (Map entry)';
  for (let e = graph.firstEdge[table]!; e < graph.firstEdge[table + 1]!; e++) {
    if (graph.edgeName(e) === index - 1 || graph.edgeName(e) === String(index - 1)) {
      return `.get(${describeKey(graph, graph.edgeTo(e))})`;
    }
  }
  return '.get(…)';
}

/**
 * Names a context slot the snapshot leaves unnamed, from the live heap: given the context's node and
 * the node of the value in the slot. Optional (e.g. explain.ts asks V8 through the inspector).
 */
export type SlotNamer = (context: number, value: number) => string | undefined;

/** A timer's live state: its delay, whether it repeats, and in how long it fires next. */
export interface TimerState {
  delayMs: number;
  repeat: boolean;
  dueInMs: number;
}

/** Reads the live state of the timer reached by `edges[index]` (optional; explain.ts reads the Timeout object). */
export type TimerReader = (edges: readonly number[], index: number) => TimerState | undefined;

/** How a timer reads in a path: `setTimeout(…, 30000) pending, due in 29.6 s`. */
function timerText(repeat: boolean | undefined, delayMs: number | undefined, dueInMs: number | undefined): string {
  const api = repeat === true ? 'setInterval' : 'setTimeout';
  const call = `${api}(…${delayMs === undefined ? '' : `, ${delayMs}`})`;
  if (dueInMs === undefined) return `${call} pending`;
  return `${call} pending, ${repeat === true ? 'next' : 'due'} in ${(Math.max(0, dueInMs) / 1000).toFixed(1)} s`;
}

/** Global properties a test runner sets for itself. */
const RUNNER_GLOBAL = /^__(?:vitest|vite|jest)/;

export function retainerPath(graph: HeapGraph, target: number, nameSlot?: SlotNamer, timerState?: TimerReader): RetainerPath | undefined {
  const edges = graph.pathTo(target);
  if (edges === undefined) return undefined;
  const steps: RetainerStep[] = [];
  const lastText = (): string => [...steps].reverse().find((step) => step.text !== '')?.text ?? '';
  for (let i = 0; i < edges.length; i++) {
    const e = edges[i]!;
    const from = graph.edgeFrom(e);
    const to = graph.edgeTo(e);
    const type = graph.edgeType(e);
    const name = graph.edgeName(e);
    const fromName = graph.nodeName(from);
    const next = edges[i + 1];
    if (type === graph.edgeShortcut || graph.nodeType(from) === 'synthetic') {
      steps.push({ text: isGlobalObject(graph, to) ? 'globalThis' : `(${graph.nodeName(to) || 'root'})`, node: to, anchor: false });
    } else if (type === graph.edgeProperty && isGlobalObject(graph, from)) {
      // A global the user set, not one of Node's functions or a runner's own.
      const script = graph.nodeType(to) === 'closure' ? scriptOfClosure(graph, to) : '';
      const own = !RUNNER_GLOBAL.test(String(name)) && !isNodeInternal(script) && !isRunnerInternal(script);
      const text = IDENTIFIER.test(String(name)) ? `globalThis.${name}` : `globalThis[${quote(String(name))}]`;
      steps.push({ text, node: to, anchor: true, start: own, ...(own ? { holder: { kind: 'global', selfReleasing: false } as const } : {}) });
    } else if (type === graph.edgeContext || (type === graph.edgeHidden && fromName === 'system / Context')) {
      // A closure or module variable; unnamed when V8's snapshot gives no reliable name for the slot.
      const variable = type === graph.edgeContext ? String(name) : (contextSlotName(graph, from, Number(name)) ?? nameSlot?.(from, to) ?? '(variable)');
      const nested = contextDepth(graph, from) > 1;
      const script = scriptOfContext(graph, from);
      const publicName = publicNodeVariable(script, variable);
      const arrow = lastText().endsWith('()') ? ' → ' : '';
      if (isNodeInternal(script) && variable === 'gcPersistentSignals' && next !== undefined && graph.edgeName(next) === 'table') {
        // Node keeps an AbortSignal.timeout() / AbortSignal.any() signal that has listeners until it aborts.
        steps.push({ text: 'AbortSignal.timeout() or .any() signal', node: graph.edgeTo(edges[i + 2] ?? next), anchor: true, start: true, holder: { kind: 'abort-signal', selfReleasing: true } });
        i += edges[i + 2] === undefined ? 1 : 2;
      } else if (publicName !== undefined) {
        steps.push({ text: `${arrow}${publicName}`, node: to, anchor: true, start: true, holder: { kind: 'global', selfReleasing: false } });
      } else {
        const own = !nested && !isNodeInternal(script) && !isRunnerInternal(script);
        const file = own && script !== '' ? displayFile(script) : undefined;
        steps.push({
          text: `${arrow}${variable}`,
          node: to,
          anchor: true,
          nested,
          start: own,
          ...(own ? { holder: { kind: 'module-variable', selfReleasing: false, ...(file === undefined ? {} : { file }) } as const } : {}),
          ...(file === undefined ? {} : { file }),
        });
      }
    } else if (type === graph.edgeProperty && graph.nodeType(from) === 'closure' && /^[A-Z]/.test(fromName) && name !== 'prototype') {
      // A static field of a class: `SpiderRegistry.all`.
      steps.push({ text: `${fromName}${accessor(name)}`, node: to, anchor: true, start: true, holder: { kind: 'class-static', selfReleasing: false } });
    } else if (type === graph.edgeProperty && name === 'exports' && moduleRecordFile(graph, from) !== undefined) {
      // A module's exports, reached through a module system's records (Node's, Jest's, Vitest's).
      const file = displayFile(moduleRecordFile(graph, from)!);
      steps.push({ text: 'exports', node: to, anchor: true, start: true, file, holder: { kind: 'module-exports', file, selfReleasing: false } });
      // A CommonJS module imported from an ES module: its module.exports is the namespace's default.
      if (next !== undefined && graph.nodeName(to) === 'Module' && graph.edgeName(next) === 'default' && /\.c[jt]s$/.test(file)) {
        steps.push({ text: '', node: graph.edgeTo(next), anchor: false });
        i++;
      }
    } else if (type === graph.edgeInternal && name === 'table' && (fromName === 'Map' || fromName === 'Set')) {
      if (next !== undefined) {
        const text = fromName === 'Map' ? mapStep(graph, to, Number(graph.edgeName(next))) : ' (Set member)';
        steps.push({ text, node: graph.edgeTo(next), anchor: false });
        i++;
      }
    } else if (fromName === 'FinalizationRegistry' && graph.nodeName(to) === 'system / WeakCell') {
      // A registration's held value, kept until its target dies. The registry's cells are linked to
      // each other, so the path may pass through several before reaching the value.
      let j = i + 1;
      while (j < edges.length && graph.nodeName(graph.edgeTo(edges[j]!)) === 'system / WeakCell') j++;
      if (j < edges.length) {
        steps.push({ text: ' (FinalizationRegistry held value)', node: graph.edgeTo(edges[j]!), anchor: false });
        i = j;
      }
    } else if (type === graph.edgeInternal && name === 'context' && graph.nodeType(from) === 'closure') {
      steps.push({ text: ` → ${fromName || 'anonymous'}()`, node: to, anchor: false });
    } else if (type === graph.edgeProperty && name === '_events') {
      if (next !== undefined && graph.edgeType(next) === graph.edgeProperty) {
        const event = String(graph.edgeName(next));
        steps.push({ text: ` listeners ${quote(event)}`, node: graph.edgeTo(next), anchor: false, holder: { kind: 'listener', emitter: 'EventEmitter', event, selfReleasing: false } });
        i++;
      } else {
        steps.push({ text: accessor(name), node: to, anchor: false });
      }
    } else if (type === graph.edgeProperty && name === '<symbol kEvents>' && eventTargetListener(graph, edges, i) !== undefined) {
      // An EventTarget's (AbortSignal's…) listener: its events map → the event's list → the listener.
      const found = eventTargetListener(graph, edges, i)!;
      const position = found.position > 0 ? `[${found.position}]` : '';
      steps.push({
        text: ` listeners ${quote(found.event)}${position}`,
        node: graph.edgeTo(edges[found.end]!),
        anchor: false,
        holder: { kind: 'listener', emitter: 'EventTarget', event: found.event, selfReleasing: false },
      });
      i = found.end;
    } else if (type === graph.edgeProperty && name === '#signal' && fromName === 'AbortController') {
      steps.push({ text: '.signal', node: to, anchor: false });
    } else if (type === graph.edgeProperty && name === '<symbol kResourceStore>') {
      // An AsyncLocalStorage store carried by an async resource (a timer, a socket): released with it.
      const carrier = [...steps].reverse().find((step) => step.holder !== undefined)?.holder;
      const selfReleasing = carrier !== undefined && carrier.selfReleasing && (carrier.kind === 'timer' || carrier.kind === 'idle-socket');
      steps.push({ text: ' → AsyncLocalStorage store', node: to, anchor: false, holder: { kind: 'async-context', selfReleasing } });
    } else if (type === graph.edgeInternal && name === 'reactions_or_result' && graph.nodeName(to) === 'system / PromiseReaction' && next !== undefined) {
      const step = promiseReactionStep(graph, edges, i);
      steps.push(step.step);
      i = step.end;
    } else if (graph.nodeName(from) === 'system / PromiseReaction' && graph.nodeName(to) === 'system / PromiseReaction') {
      steps.push({ text: '', node: to, anchor: false });
    } else if ((type === graph.edgeElement || type === graph.edgeProperty) && isTimeout(graph, to)) {
      // A Node timer. In Node's own timer lists it is pending: it starts the path, named as created.
      const inTimerList = fromName === 'TimersList' || (isTimeout(graph, from) && (name === '_idleNext' || name === '_idlePrev'));
      const live = timerState?.(edges, i);
      const repeat = live?.repeat ?? timerRepeats(graph, to);
      const delayMs = live?.delayMs ?? timerListDelay(graph, edges, i);
      const holder: RetainerHolder = {
        kind: 'timer',
        repeat: repeat === true,
        selfReleasing: repeat === false,
        ...(delayMs === undefined ? {} : { delayMs }),
        ...(live === undefined ? {} : { dueInMs: live.dueInMs }),
      };
      if (inTimerList) {
        steps.push({ text: timerText(repeat, delayMs, live?.dueInMs), node: to, anchor: true, start: true, holder });
        // Its callback: the closure step that follows names it.
        if (next !== undefined && graph.edgeName(next) === '_onTimeout') {
          steps.push({ text: '', node: graph.edgeTo(next), anchor: false });
          i++;
        }
      } else {
        steps.push({ text: accessor(name), node: to, anchor: false, holder });
      }
    } else if (type === graph.edgeProperty && name === '<symbol owner_symbol>' && /^(?:TLS)?Socket$/.test(graph.nodeName(to))) {
      // A socket reached from its native handle (an open connection): named from the http.Agent free
      // list that holds it, when one does.
      const pooled = freeSocketName(graph, to, nameSlot);
      steps.push({ text: pooled ?? `(open ${graph.nodeName(to)})`, node: to, anchor: true, start: true, ...(pooled === undefined ? {} : { holder: { kind: 'idle-socket', selfReleasing: true } as const }) });
    } else if (type === graph.edgeElement && /^(?:TLS)?Socket$/.test(graph.nodeName(to)) && i >= 2 && graph.edgeName(edges[i - 2]!) === 'freeSockets') {
      // A keep-alive socket waiting in an http.Agent's free list.
      steps.push({ text: accessor(name), node: to, anchor: false, holder: { kind: 'idle-socket', selfReleasing: true } });
    } else if (type === graph.edgeElement || type === graph.edgeProperty) {
      steps.push({ text: accessor(name), node: to, anchor: false });
    } else if (typeof name === 'string' && EPHEMERON.test(name)) {
      // A WeakMap value held because its key is alive: `weakMap.get(key)`, named from both ends.
      const [, keyId, tableId] = EPHEMERON.exec(name)!;
      const found = graph.nodesById([Number(keyId), Number(tableId)]);
      const key = found.get(Number(keyId));
      const table = found.get(Number(tableId));
      const owner = table === undefined ? undefined : ownerOfTable(graph, table);
      const mapName = owner === undefined ? 'WeakMap' : nameOf(graph, owner, nameSlot) ?? 'WeakMap';
      const keyName = key === undefined ? '…' : nameOf(graph, key, nameSlot) ?? `{${graph.nodeName(key)}}`;
      steps.push({ text: `${mapName}.get(${keyName})`, node: to, anchor: true, start: true, holder: { kind: 'weakmap-value', selfReleasing: false } });
    } else {
      // Other VM-internal steps (suspended functions' registers…) are left out.
      steps.push({ text: '', node: to, anchor: false });
    }
  }
  const start = startOfShownPath(graph, steps);
  const shown = steps.slice(start).filter((step, i) => i === 0 || step.text !== '');
  const parts = shown.length > MAX_SHOWN_STEPS ? [...shown.slice(0, 3), { text: ' … ' }, ...shown.slice(-(MAX_SHOWN_STEPS - 3))] : shown;
  const exportsOf = steps[start]?.holder?.kind === 'module-exports' ? ` (${steps[start]!.file})` : '';
  return { text: parts.map((step) => step.text).join('').replace(/^ → /, '') + exportsOf, steps, start, edges };
}

/** `agent.freeSockets['host:port:'][0]` for a socket waiting in an http.Agent's free list, else undefined. */
function freeSocketName(graph: HeapGraph, socket: number, nameSlot?: SlotNamer): string | undefined {
  let found: string | undefined;
  graph.forEachRetainer(socket, (list, toSocket) => {
    if (found !== undefined || graph.edgeType(toSocket) !== graph.edgeElement || graph.nodeName(list) !== 'Array') return;
    graph.forEachRetainer(list, (byHost, toList) => {
      if (found !== undefined || graph.edgeType(toList) !== graph.edgeProperty) return;
      graph.forEachRetainer(byHost, (agent, toByHost) => {
        if (found !== undefined || graph.edgeName(toByHost) !== 'freeSockets') return;
        const agentName = nameOf(graph, agent, nameSlot) ?? `(${graph.nodeName(agent) || 'Agent'})`;
        found = `${agentName}.freeSockets${accessor(graph.edgeName(toList))}${accessor(graph.edgeName(toSocket))}`;
      });
    });
  });
  return found;
}

/** The delay of a timer found in Node's timer lists: the key of its list in `timerListMap`. */
function timerListDelay(graph: HeapGraph, edges: readonly number[], index: number): number | undefined {
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
function eventTargetListener(graph: HeapGraph, edges: readonly number[], index: number): { event: string; position: number; end: number } | undefined {
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

/** The node at index `index` of an array-like node (a hash table), or -1. */
function targetOfIndex(graph: HeapGraph, node: number, index: number): number {
  for (let e = graph.firstEdge[node]!; e < graph.firstEdge[node + 1]!; e++) {
    const name = graph.edgeName(e);
    if (name === index || name === String(index)) return graph.edgeTo(e);
  }
  return -1;
}

/** The name of a promise reaction's fulfil handler (its field 1), or '…'. */
function fulfilName(graph: HeapGraph, reaction: number): string {
  const handler = targetOfIndex(graph, reaction, 1);
  return handler >= 0 && graph.nodeType(handler) === 'closure' && graph.nodeName(handler) !== '' ? graph.nodeName(handler) : '…';
}

/**
 * A promise's reaction as the user wrote it, from the reaction edge at `index`: `.then(onDone)` (the
 * handler is the next step), `.then(onDone)` reaching the promise `then` returned, or
 * ` → await in crawl()` (an async function suspended at an `await`; its variables come next).
 * V8 numbers a reaction's fields: 0 the reject handler, 1 the fulfil handler, 2 the derived promise.
 */
function promiseReactionStep(graph: HeapGraph, edges: readonly number[], index: number): { step: RetainerStep; end: number } {
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
      const fn = targetNamed(graph, generator, 'function');
      const fnName = fn >= 0 && graph.nodeName(fn) !== '' ? graph.nodeName(fn) : 'anonymous';
      return { step: { text: ` → await in ${fnName}()`, node: generator, anchor: false, holder }, end: j + 2 };
    }
    const handler = graph.nodeName(to) || 'anonymous';
    return { step: { text: field === 0 || field === '0' ? `.catch(${handler})` : `.then(${handler})`, node: to, anchor: false, holder }, end: j };
  }
  if (graph.nodeName(to) === 'Promise') return { step: { text: `.then(${fulfilName(graph, reaction)})`, node: to, anchor: false, holder }, end: j };
  return { step: { text: '', node: to, anchor: false }, end: j };
}

/** How many steps before a closure its holder may be (e.g. `bus listeners 'tick'[2]`). */
const HOLDER_SEARCH_STEPS = 4;

/**
 * Where the shown path starts: the last holder the user can act on — a module variable of their code,
 * a global they set, a class, a module's exports, a pending timer, a WeakMap entry — so that the
 * closures, listeners and reactions between it and the leaked object are all shown. Without one (an
 * object only a running or suspended function holds), the last variable, with what holds its
 * function when that is known.
 */
function startOfShownPath(graph: HeapGraph, steps: RetainerStep[]): number {
  for (let i = steps.length - 1; i >= 0; i--) {
    if (steps[i]!.start === true) return i;
  }
  let last = -1;
  for (let i = steps.length - 1; i >= 0; i--) {
    if (steps[i]!.anchor) {
      last = i;
      break;
    }
  }
  if (last < 0) {
    // No variable at all: start after the synthetic roots.
    const first = steps.findIndex((step) => step.text !== '' && !step.text.startsWith('('));
    return first < 0 ? 0 : first;
  }
  if (!steps[last]!.nested) return last;
  // The closure step right before the variable (VM-internal steps in between are empty).
  let closure = last - 1;
  while (closure > 0 && steps[closure]!.text === '') closure--;
  const closureText = steps[closure]?.text ?? '';
  // A variable of a function that is running or suspended: the variable itself is the best start.
  if (!closureText.endsWith('()')) return last;
  // An anonymous function counts only when a container holds it (`hooks[1] → anonymous()`); one held
  // otherwise is often a runner's wrapper (`fn → anonymous()`), and the variable is the better start.
  const anonymous = closureText === ' → anonymous()';
  if (anonymous && !/^(\[| listeners |\.get\()/.test(steps[closure - 1]?.text ?? '')) return last;
  for (let i = closure - 1; i >= Math.max(0, closure - HOLDER_SEARCH_STEPS); i--) {
    if (steps[i]!.anchor) return i;
  }
  if (anonymous) return last;
  // No named holder nearby: start at the step that reaches the closure, labelled with its holder's kind.
  const reach = closure - 1;
  if (reach >= 1) {
    const holder = steps[reach - 1]!;
    steps[reach] = { ...steps[reach]!, text: `(${graph.nodeName(holder.node) || graph.nodeType(holder.node)})${steps[reach]!.text}` };
    return reach;
  }
  return last;
}
