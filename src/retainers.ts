/**
 * Retainer paths: turns the shortest path from a GC root to a leaked object (in a heap snapshot)
 * into what the user would write — `scheduler.queue[0].meta.referer`, `cache.get('http://…')`,
 * `globalThis.x`, `SpiderRegistry.all[3]`, `emitter listeners 'tick' → onTick() → item`,
 * `signal listeners 'abort' → onAbort() → request`, `setTimeout(…, 30000) pending → onTimeout() → command`,
 * `pending[2].then(onDone) → onDone() → item` — starting from the last holder the user can act on
 * (a module variable, a global, a class, a module's exports, a pending timer, a running worker), with the holder kinds
 * it recognised on its steps. Works on snapshot data only; live state (a timer's due time) comes
 * from the caller's callbacks, and this module never touches live objects itself.
 */
import type { RetainerHolder } from './report';
import {
  displayFile,
  isNodeInternal,
  isRunnerInternal,
  isListeningServer,
  isRunningWorker,
  isTimeout,
  isTimerListEdge,
  moduleRecordFile,
  publicNodeVariable,
  scriptOfClosure,
  scriptOfContext,
  targetNamed,
  timerCallbackScript,
  timerRepeats,
} from './holders';
import { awaitIn, eventTargetListener, freeSocketEntry, freeSocketName, type FreeSocketEntry, promiseReactionStep, type TimerReader, timeoutSignalDelay, timerListDelay, timerText, isUndiciIdleSocket } from './node-steps';
import { ENTRY } from './verdicts';
import { EPHEMERON, IDENTIFIER, accessor, contextDepth, contextSlotName, isGlobalObject, isProcessObject, mapStep, nameOf, ownerOfTable, quote, type SlotNamer } from './path-names';
import { pathsThroughHolders } from './holder-paths';
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
  /** A variable or global of Node's or a test runner's own code. */
  internal?: boolean;
  /** For a module variable or a module's exports: the module's file, as shown. */
  file?: string;
}

export interface RetainerPath {
  /** The path as the user would write it, from the holder it starts at (folded in the middle when long). */
  text: string;
  /** Every step from the root, for callers that annotate them. */
  steps: RetainerStep[];
  /** Index in `steps` where `text` starts. */
  start: number;
  /** The path's edges, from a root (as `HeapGraph.pathTo` gives them); each step's node is reached by one of them. */
  edges: number[];
  /** When the path shown is not the shortest (see retainerPath): the shortest one's text, from a runtime holder. */
  alsoHeldBy?: string;
}

export type { SlotNamer } from './path-names';
export type { TimerReader, TimerState } from './node-steps';

/** A module record's file that is the user's (not a runner's or Node's own). */
function isUserModule(file: string | undefined): file is string {
  return file !== undefined && !isRunnerInternal(file) && !isNodeInternal(file);
}

const MAX_SHOWN_STEPS = 8;

/** A runner's own global: Vitest's and Vite's `__vitest_…`, Jest's `__jest…` and its symbols (jest-circus's state, expect's matchers). */
const RUNNER_GLOBAL = /^(?:__(?:vitest|vite|jest)|<symbol (?:JEST_|\$\$jest|jest[-.]|TEST_TIMEOUT|EVENT_HANDLERS|RETRY_|LOG_ERRORS_BEFORE_RETRY|WAIT_BEFORE_RETRY))/;

/**
 * Reads, from the live objects, the key under which the Map reached by `edges[index - 1]` holds the
 * value `edges[index + 1]` reaches (its table is `edges[index]`): for keys the snapshot does not
 * show (small integers) or shows without a value (other numbers). Undefined when it cannot tell.
 */
export type MapKeyReader = (edges: readonly number[], index: number) => string | undefined;

/** Holders of the user's own code: a path that starts at one of them needs no other. */
const USER_HOLDERS: ReadonlySet<RetainerHolder['kind']> = new Set(['module-variable', 'global', 'class-static', 'module-exports', 'weakmap-value']);
/**
 * Holders of the runtime the user acts on directly, kept as the start even when their code holds the
 * object too: a pending timer (clear it; the array that also keeps the Timeout is not what keeps it
 * alive), an AbortSignal Node keeps until it aborts, an idle pooled socket (the check waits for it).
 */
const RUNTIME_HOLDERS_TO_ACT_ON: ReadonlySet<RetainerHolder['kind']> = new Set(['timer', 'abort-signal', 'idle-socket', 'worker', 'server']);
/** References from an object to an emitter it owns, at most (`pool[kClients][0]`: 3). */
const OWNER_DEPTH = 3;
/** Objects after a listener looked at for the emitter's owner (its closure, the closure's variable…). */
const OWNER_SEARCH_STEPS = 4;
/** A path's text that is only a variable or a property name. */
const BARE_NAME = /^\.?[\w$]+$/;
/** At most this many other paths are rendered to find one through a holder of the user's code. */
const MAX_OTHER_PATHS = 16;
const LIBRARY_FILE = /(?:^|[\\/])node_modules[\\/]/;
/** undici's dispatchers (fetch's included), by class name. */
const UNDICI_DISPATCHER = /^(?:Agent|Pool|BalancedPool|Client|RetryAgent|ProxyAgent|EnvHttpProxyAgent)$/;
/** Objects on the way from an undici connection to its dispatcher: the dispatchers, their listener lists, closures' contexts. */
const UNDICI_WIRING = /^(?:Agent|Pool|BalancedPool|Client|Array|Object|Map|system \/ .*)$/;

/**
 * The retainer path of `target`: the shortest one, unless it starts at a runtime holder with no
 * kind of its own (an open socket, a listener list of Node's, a variable of a running function, Node's
 * or a runner's own variable) while a holder of the user's code (a module variable, a global they set,
 * a class static, a module's exports, a WeakMap value) holds it too: then the path through that
 * holder, nearest the object first (holder-paths.ts), with the shortest path's text as `alsoHeldBy`.
 * A shortest path that starts at a pending timer, an AbortSignal Node keeps or an idle pooled socket
 * is kept (RUNTIME_HOLDERS_TO_ACT_ON), unless that holder lets go by itself and something else keeps
 * the object too: then it is not what keeps the object alive.
 */
export function retainerPath(graph: HeapGraph, target: number, nameSlot?: SlotNamer, timerState?: TimerReader, mapKey?: MapKeyReader): RetainerPath | undefined {
  const edges = graph.pathTo(target);
  if (edges === undefined) return undefined;
  const shortest = renderPath(graph, edges, nameSlot, timerState, mapKey);
  const first = shortest.steps[shortest.start];
  // Node's own timers (an HTTP server's connection check, a socket's timeout) are none the user can clear.
  const nodesOwnTimer = first?.holder?.kind === 'timer' && isNodeInternal(timerCallbackScript(graph, first.node));
  // A library module's exports (`exports.loggers… (node_modules/winston/…)`): the user reaches them
  // through a variable of theirs (`winston.loggers…`), found below when there is one.
  const libraryExports = first?.holder?.kind === 'module-exports' && LIBRARY_FILE.test(first.holder.file);
  // A variable that holds the object itself (`lastRequest`) keeps one value, replaced on the next
  // call; so does a pooled socket's property (axios's `currentReq`: the socket's last request). When
  // the object is also an entry of a collection or a listener list (one added per call and never
  // removed), that entry is the likelier leak, shown with the last value as `alsoHeldBy`.
  const idle = shortest.steps.findIndex((step, i) => i >= shortest.start && step.holder?.kind === 'idle-socket');
  const afterIdle = idle < 0 ? undefined : shortest.steps.slice(idle + 1).find((step) => step.text !== '');
  const lastValue = (first?.holder?.kind === 'module-variable' && BARE_NAME.test(shortest.text)) || (afterIdle !== undefined && afterIdle.holder === undefined && !ENTRY.test(afterIdle.text));
  if (first?.start === true && first.holder !== undefined && !lastValue && ((USER_HOLDERS.has(first.holder.kind) && !libraryExports) || (RUNTIME_HOLDERS_TO_ACT_ON.has(first.holder.kind) && !nodesOwnTimer))) {
    // A holder that lets go by itself (a pending timeout) is the one to show only when it alone keeps
    // the object: otherwise the object outlives it, through a holder of the user's own to find below.
    if (!first.holder.selfReleasing || !graph.reachesAvoiding(target, first.node)) return shortest;
  }
  let tried = 0;
  for (const other of pathsThroughHolders(graph, target)) {
    if (++tried > MAX_OTHER_PATHS) break;
    // Judged from the snapshot alone first: naming a slot the snapshot leaves unnamed, reading a
    // timer's state or a Map's key ask V8 about live objects (finding one walks the heap), so only the
    // path chosen does.
    const judged = renderPath(graph, other.edges);
    // Instead of a last value, any path from a holder of the user's code through an entry will do
    // (the listener's own variable `ctx` is found, on the way from the emitter `config` that holds it).
    const holderEdge = lastValue ? 0 : other.holder;
    if (!startsInUserCode(graph, judged, holderEdge)) continue;
    if (lastValue && (judged.text === shortest.text || !judged.steps.some((step) => ENTRY.test(step.text)))) continue;
    const path = nameSlot === undefined && timerState === undefined && mapKey === undefined ? judged : renderPath(graph, other.edges, nameSlot, timerState, mapKey);
    // A shortest path that is a bare variable or property (`response`, `.outgoing`: a running
    // function's, its object's) says nothing the user can act on: not shown.
    if (startsInUserCode(graph, path, holderEdge)) return path.text === shortest.text || (BARE_NAME.test(shortest.text) && !lastValue) ? path : { ...path, alsoHeldBy: shortest.text };
  }
  return shortest;
}

/**
 * Globals the runtime (Node, the JavaScript built-ins, the test environment) had defined when this
 * module was loaded, in its realm: `globalThis.process` or `globalThis.console` reached through the
 * search are the runtime's, not a holder the user made.
 */
const RUNTIME_GLOBALS: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(globalThis));

/** A global of the runtime's (see RUNTIME_GLOBALS), or one Node sets later: fetch's dispatcher (`Symbol.for('undici.globalDispatcher.1')`). */
function isRuntimeGlobal(name: string): boolean {
  return RUNTIME_GLOBALS.has(name) || name.startsWith('<symbol undici.');
}

/**
 * Whether the shown path of a path found through a holder (its edge `edges[holderEdge]`) starts at
 * that holder or after it, at a holder of the user's own code (not a library's, Node's or a runner's).
 */
function startsInUserCode(graph: HeapGraph, path: RetainerPath, holderEdge: number): boolean {
  const first = path.steps[path.start];
  if (first?.start !== true || first.holder === undefined || !USER_HOLDERS.has(first.holder.kind)) return false;
  // Not a holder on the way to the one found (e.g. `globalThis.console…` on the way to a variable of Node's).
  const reaching = path.edges.findIndex((e) => graph.edgeTo(e) === first.node);
  if (reaching < holderEdge) return false;
  if (first.holder.kind === 'global' && isRuntimeGlobal(String(graph.edgeName(path.edges[reaching]!)))) return false;
  // A class's static field: the class's own script.
  if (first.holder.kind === 'class-static') {
    const script = scriptOfClosure(graph, graph.edgeFrom(path.edges[reaching]!));
    if (LIBRARY_FILE.test(script) || isNodeInternal(script) || isRunnerInternal(script)) return false;
  }
  // A module variable or exports: its module's file; a WeakMap value or a global: that of the nearest variable before it.
  const file = path.steps.slice(0, path.start + 1).reverse().find((step) => step.file !== undefined)?.file;
  return file === undefined || !LIBRARY_FILE.test(file);
}

/** The steps of a path (edges from a root) as the user would write them, and where the shown part starts. */
function renderPath(graph: HeapGraph, edges: number[], nameSlot?: SlotNamer, timerState?: TimerReader, mapKey?: MapKeyReader): RetainerPath {
  const steps: RetainerStep[] = [];
  const lastText = (): string => [...steps].reverse().find((step) => step.text !== '')?.text ?? '';
  // Whether the path enters the user's code at this variable (of a function of `script`): its function
  // is held right by a variable or global of Node's or a runner's own code, or by the exports of the
  // module the function is in (a runner wraps each module in a function of its own, so its module
  // variables are one function deep). A function of another module reached through a module's exports
  // (a callback stored in a library's registry) does not enter that module's scope.
  const entersUserCode = (script: string): boolean => {
    let k = steps.length - 1;
    while (k >= 0 && steps[k]!.text === '') k--;
    // A suspended async function (` → await in crawl()`) is running code, not a module's scope.
    if (k < 0 || !steps[k]!.text.endsWith('()') || steps[k]!.holder?.kind === 'promise-reaction') return false;
    for (k--; k >= 0; k--) {
      const step = steps[k]!;
      if (step.text === '' || (!step.anchor && step.holder === undefined && !step.text.endsWith('()'))) continue;
      if (step.internal === true) return true;
      return step.holder?.kind === 'module-exports' && script !== '' && displayFile(script) === step.holder.file;
    }
    return false;
  };
  // An idle socket in an http.Agent's free list; `ownAgentLeaked` when the leaked object is that very
  // agent (one made per request and never destroyed).
  const leaked = edges.length === 0 ? -1 : graph.edgeTo(edges[edges.length - 1]!);
  const idleSocketHolder = (entry: FreeSocketEntry): RetainerHolder => ({
    kind: 'idle-socket',
    selfReleasing: true,
    ...(entry.agent === leaked ? { ownAgentLeaked: true as const } : {}),
  });
  // A connection of an undici client with a timer of undici's pending on it; `ownAgentLeaked` when the
  // leaked object is a dispatcher reached from it only through undici's dispatchers (an Agent made per
  // request: its Pool and Client listen to one another, and all of them go when the socket closes).
  const undiciSocketHolder = (from: number): RetainerHolder => {
    const own = UNDICI_DISPATCHER.test(graph.nodeName(leaked)) && edges.slice(from + 1).every((e) => {
      const node = graph.edgeTo(e);
      return graph.nodeType(node) !== 'object' || UNDICI_WIRING.test(graph.nodeName(node));
    });
    return { kind: 'idle-socket', selfReleasing: true, undici: true, ...(own ? { ownAgentLeaked: true as const } : {}) };
  };
  for (let i = 0; i < edges.length; i++) {
    const e = edges[i]!;
    const from = graph.edgeFrom(e);
    const to = graph.edgeTo(e);
    const type = graph.edgeType(e);
    const name = graph.edgeName(e);
    const fromName = graph.nodeName(from);
    const next = edges[i + 1];
    if (type === graph.edgeShortcut && typeof name === 'string' && /^bound_(?:this|argument_\d+)$/.test(name)) {
      // A bound function's `this` or argument (rxjs schedules `flush.bind(scheduler, action)`).
      steps.push({ text: ` → (${graph.nodeName(to) || graph.nodeType(to)})`, node: to, anchor: false });
    } else if (type === graph.edgeShortcut || graph.nodeType(from) === 'synthetic') {
      steps.push({ text: isGlobalObject(graph, to) ? 'globalThis' : `(${graph.nodeName(to) || 'root'})`, node: to, anchor: false });
    } else if (type === graph.edgeProperty && isGlobalObject(graph, from)) {
      // A global the user set, not one of Node's functions or a runner's own.
      const script = graph.nodeType(to) === 'closure' ? scriptOfClosure(graph, to) : '';
      const own = !RUNNER_GLOBAL.test(String(name)) && !isNodeInternal(script) && !isRunnerInternal(script);
      const text = IDENTIFIER.test(String(name)) ? `globalThis.${name}` : `globalThis[${quote(String(name))}]`;
      steps.push({ text, node: to, anchor: true, start: own, internal: !own, ...(own ? { holder: { kind: 'global', selfReleasing: false } as const } : {}) });
    } else if (type === graph.edgeContext || (type === graph.edgeHidden && fromName === 'system / Context')) {
      // A closure or module variable; unnamed when V8's snapshot gives no reliable name for the slot.
      const depth = contextDepth(graph, from);
      const nested = depth > 1;
      const script = scriptOfContext(graph, from);
      const slotName = type === graph.edgeContext ? String(name) : (contextSlotName(graph, from, Number(name)) ?? nameSlot?.(from, to));
      // A context of V8's own functions (a promise's resolve and reject functions, Promise.race's and
      // Promise.all's helpers): no script, no variable names. Neither a module scope nor where the
      // user can act.
      const builtin = slotName === undefined && script === '' && !nested;
      const variable = slotName ?? (builtin && graph.nodeName(to) === 'Promise' ? '(promise)' : '(variable)');
      // Node's `process` object, whatever variable of Node's or a runner's reaches it (`_process`).
      const publicName = publicNodeVariable(script, variable) ?? (isProcessObject(graph, to) && (isNodeInternal(script) || isRunnerInternal(script)) ? 'process' : undefined);
      const arrow = lastText().endsWith('()') || (builtin && steps.length > 0) ? ' → ' : '';
      if (isNodeInternal(script) && variable === 'gcPersistentSignals' && next !== undefined && graph.edgeName(next) === 'table') {
        // Node keeps an AbortSignal.timeout() / AbortSignal.any() signal that has listeners until it
        // aborts; a timeout signal (Node marks it kTimeout) aborts by itself.
        const signal = graph.edgeTo(edges[i + 2] ?? next);
        // Set on timeout signals only; when the snapshot gives the oddball's text, it must be true.
        const timeout = targetNamed(graph, signal, '<symbol kTimeout>');
        const timeoutText = timeout < 0 ? -1 : targetNamed(graph, timeout, 'to_string');
        const timesOut = timeout >= 0 && (timeoutText < 0 || graph.nodeName(timeoutText) === 'true');
        const delayMs = timesOut ? timeoutSignalDelay(graph, signal) : undefined;
        const text = timesOut ? `AbortSignal.timeout(${delayMs ?? '…'}) signal` : 'AbortSignal.timeout() or .any() signal';
        steps.push({ text, node: signal, anchor: true, start: true, holder: { kind: 'abort-signal', timeout: timesOut, selfReleasing: true, ...(delayMs === undefined ? {} : { delayMs }) } });
        i += edges[i + 2] === undefined ? 1 : 2;
      } else if (publicName !== undefined) {
        steps.push({ text: `${arrow}${publicName}`, node: to, anchor: true, start: true, holder: { kind: 'global', selfReleasing: false } });
      } else {
        const internal = isNodeInternal(script) || isRunnerInternal(script);
        const entered = !internal && nested && entersUserCode(script);
        const start = !internal && !builtin && (!nested || entered);
        const moduleLevel = start && (depth === 1 || (entered && depth === 2));
        const file = moduleLevel && script !== '' ? displayFile(script) : undefined;
        steps.push({
          text: `${arrow}${variable}`,
          node: to,
          anchor: true,
          nested,
          start,
          internal,
          ...(moduleLevel ? { holder: { kind: 'module-variable', selfReleasing: false, ...(file === undefined ? {} : { file }) } as const } : {}),
          ...(file === undefined ? {} : { file }),
        });
      }
    } else if (type === graph.edgeProperty && graph.nodeType(from) === 'closure' && /^[A-Z]/.test(fromName) && name !== 'prototype') {
      // A static field of a class: `SpiderRegistry.all`.
      steps.push({ text: `${fromName}${accessor(name)}`, node: to, anchor: true, start: true, holder: { kind: 'class-static', selfReleasing: false } });
    } else if (type === graph.edgeProperty && name === 'exports' && isUserModule(moduleRecordFile(graph, from))) {
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
        let text = fromName === 'Map' ? mapStep(graph, to, Number(graph.edgeName(next))) : ' (Set member)';
        if (text === '.get(…)' || text === '.get(heap number)') {
          const key = mapKey?.(edges, i);
          if (key !== undefined) text = `.get(${key})`;
        }
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
      // V8's own functions (a promise's resolve or reject function…) have no script: the variable that
      // holds one is followed by what it settles, `reject → (promise)`, without a function step.
      const builtin = fromName === '' && scriptOfClosure(graph, from) === '';
      steps.push({ text: builtin ? '' : ` → ${fromName || 'anonymous'}()`, node: to, anchor: false });
    } else if (type === graph.edgeProperty && name === '_events') {
      if (next !== undefined && graph.edgeType(next) === graph.edgeProperty) {
        const event = String(graph.edgeName(next));
        // An object the listener holds that holds the emitter itself (a pool and its client, whose
        // 'drain' it listens to): the listener is its owner's wiring, not an entry piling up.
        const ownerListens = edges.slice(i + 2, i + 2 + OWNER_SEARCH_STEPS).some((edge) => graph.reachesWithin(graph.edgeTo(edge), from, OWNER_DEPTH));
        steps.push({ text: ` listeners ${quote(event)}`, node: graph.edgeTo(next), anchor: false, holder: { kind: 'listener', emitter: 'EventEmitter', event, ...(ownerListens ? { ownerListens: true as const } : {}), selfReleasing: false } });
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
    } else if (type === graph.edgeProperty && (name === '<symbol kResourceStore>' || (name === '<symbol kAsyncContextFrame>' && graph.nodeName(to) === 'AsyncContextFrame'))) {
      // An AsyncLocalStorage store carried by an async resource (a timer, a socket): released with it.
      // Node 20 keeps the store on the resource; Node 24 keeps a frame (a Map of stores by storage).
      const carrier = [...steps].reverse().find((step) => step.holder !== undefined)?.holder;
      const selfReleasing = carrier !== undefined && carrier.selfReleasing && (carrier.kind === 'timer' || carrier.kind === 'idle-socket');
      const inFrame = name === '<symbol kAsyncContextFrame>' && next !== undefined && graph.edgeName(next) === 'table' && edges[i + 2] !== undefined;
      steps.push({ text: ' → AsyncLocalStorage store', node: inFrame ? graph.edgeTo(edges[i + 2]!) : to, anchor: false, holder: { kind: 'async-context', selfReleasing } });
      if (inFrame) i += 2;
    } else if (type === graph.edgeInternal && name === 'reactions_or_result' && graph.nodeName(to) === 'system / PromiseReaction' && next !== undefined) {
      const step = promiseReactionStep(graph, edges, i);
      steps.push(step.step);
      i = step.end;
    } else if (type === graph.edgeInternal && name === 'reactions_or_result' && fromName === 'Promise') {
      // A settled promise's value (or rejection reason): what `await promise` gives.
      steps.push({ text: ' (result)', node: to, anchor: false });
    } else if (graph.nodeName(from) === 'system / PromiseReaction' && graph.nodeName(to) === 'system / PromiseReaction') {
      steps.push({ text: '', node: to, anchor: false });
    } else if ((type === graph.edgeElement || type === graph.edgeProperty) && isTimeout(graph, to)) {
      // A Node timer. In Node's own timer lists it is pending: it starts the path, named as created.
      const inTimerList = isTimerListEdge(graph, from, e);
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
    } else if (type === graph.edgeProperty && name === '<symbol owner_symbol>' && graph.nodeType(to) === 'object') {
      // An object reached from its native handle: an open connection, a file watcher, a server… held
      // until it is closed. A socket is named from the http.Agent free list that holds it, when one does.
      // Other handles' objects (a watcher, a server) are named but start the path only when nothing
      // else does: a server reached this way leads on to everything its listeners hold.
      const socket = /^(?:TLS)?Socket$/.test(graph.nodeName(to));
      const entry = socket ? freeSocketEntry(graph, to) : undefined;
      const pooled = entry === undefined ? undefined : freeSocketName(graph, entry, nameSlot);
      const undiciIdle = socket && entry === undefined && isUndiciIdleSocket(graph, to);
      const holder = entry !== undefined ? idleSocketHolder(entry) : undiciIdle ? undiciSocketHolder(i) : undefined;
      steps.push({ text: pooled ?? `(open ${graph.nodeName(to)})`, node: to, anchor: true, start: socket, ...(holder === undefined ? {} : { holder }) });
    } else if (type === graph.edgeElement && /^(?:TLS)?Socket$/.test(graph.nodeName(to)) && i >= 2 && graph.edgeName(edges[i - 2]!) === 'freeSockets') {
      // A keep-alive socket waiting in an http.Agent's free list.
      steps.push({ text: accessor(name), node: to, anchor: false, holder: { kind: 'idle-socket', selfReleasing: true } });
    } else if (type === graph.edgeInternal && name === 'bound_this') {
      // A bound function's `this` (a socket's idle timer calls `socket._onTimeout` bound to it). A
      // socket idle in an http.Agent's free list is destroyed by its agent when that timer fires
      // (Node's Agent and agentkeepalive both do): when the leaked object is that very agent (one
      // made per request and never destroyed), what the agent's own listeners on it hold goes with it.
      const afterTimer = [...steps].reverse().find((step) => step.text !== '')?.holder?.kind === 'timer';
      const entry = afterTimer && /^(?:TLS)?Socket$/.test(graph.nodeName(to)) ? freeSocketEntry(graph, to) : undefined;
      steps.push({ text: ` → (${graph.nodeName(to) || graph.nodeType(to)})`, node: to, anchor: false, ...(entry === undefined ? {} : { holder: idleSocketHolder(entry) }) });
    } else if (type === graph.edgeProperty && fromName === 'Promise' && graph.nodeName(to) === 'Generator') {
      // V8 links a promise to the async function awaiting it (for async stack traces): that
      // function, suspended, holds its variables until the promise settles.
      steps.push({ text: awaitIn(graph, to), node: to, anchor: false, holder: { kind: 'promise-reaction', selfReleasing: false } });
    } else if (type === graph.edgeElement && i >= 1 && graph.edgeName(edges[i - 1]!) === 'readRequests' && /ReadRequest$/.test(graph.nodeName(to))) {
      // A pending read of a web stream (a fetch() response body read and waited on).
      steps.push({ text: accessor(name), node: to, anchor: false, holder: { kind: 'stream-read', selfReleasing: false } });
    } else if (type === graph.edgeProperty && name === 'outgoing' && fromName === 'HTTPParser' && graph.nodeName(to) === 'ClientRequest') {
      // The request Node's HTTP parser is reading the response of (a fire-and-forget request, its
      // 'response' and 'error' listeners with it): in flight until its response ends, and where the
      // path starts (the parser itself is Node's).
      steps.push({ text: '(ClientRequest in flight)', node: to, anchor: true, start: true, holder: clientRequestHolder(graph, to) });
    } else if (
      (type === graph.edgeElement && i >= 1 && graph.edgeName(edges[i - 1]!) === '<symbol queue>' && graph.nodeName(graph.edgeFrom(edges[i - 1]!)) === 'Client') ||
      (type === graph.edgeProperty && name === '_httpMessage' && /^(?:TLS)?Socket$/.test(fromName) && graph.nodeName(to) === 'ClientRequest')
    ) {
      // A request in flight until its response ends: in an undici client's queue (fetch's, or
      // undici's own), or the one a socket of Node's http client is busy with (a body never read
      // keeps it, and its socket, busy).
      steps.push({ text: accessor(name), node: to, anchor: false, holder: graph.nodeName(to) === 'ClientRequest' ? clientRequestHolder(graph, to) : { kind: 'http-request', selfReleasing: false } });
    } else if (type === graph.edgeElement || type === graph.edgeProperty || (type === graph.edgeInternal && name === '' && graph.nodeType(from) === 'object')) {
      // (V8 files a property whose key is the empty string as an internal edge named ''.)
      steps.push({ text: accessor(name), node: to, anchor: false });
    } else if (typeof name === 'string' && EPHEMERON.test(name)) {
      // A WeakMap value held because its key is alive: `weakMap.get(key)`, named from both ends.
      const [, keyId, tableId] = EPHEMERON.exec(name)!;
      const found = graph.nodesById([Number(keyId), Number(tableId)]);
      const key = found.get(Number(keyId));
      const table = found.get(Number(tableId));
      const owner = table === undefined ? undefined : ownerOfTable(graph, table);
      const mapName = owner === undefined ? 'WeakMap' : nameOf(graph, owner, nameSlot) ?? 'WeakMap';
      // Reached through its key (the edge that keeps a value alive): the key is named by the path
      // that reaches it, when the user can act there (`meta.get(keys[2])`).
      const keyStart = key === from ? lastStart(steps) : -1;
      const keyPath = keyStart >= 0 ? foldSteps(steps.slice(keyStart).filter((step, k) => k === 0 || step.text !== '')) : undefined;
      const keyName = keyPath ?? (key === undefined ? '…' : (nameOf(graph, key, nameSlot) ?? `{${graph.nodeName(key)}}`));
      if (keyPath !== undefined) for (const step of steps) step.start = false;
      // A runner's own WeakMap (e.g. of hooks by test file) is not where the user can act.
      const lastAnchor = [...steps].reverse().find((step) => step.anchor);
      steps.push({ text: `${mapName}.get(${keyName})`, node: to, anchor: true, start: keyPath !== undefined || lastAnchor?.internal !== true, holder: { kind: 'weakmap-value', selfReleasing: false } });
    } else {
      // Other VM-internal steps (suspended functions' registers…) are left out.
      steps.push({ text: '', node: to, anchor: false });
    }
    // A running worker thread, however it was reached (its stdio piped to process.stdout, a variable
    // `this`): what the user acts on (terminate it, or destroy its pool), so the path may start here.
    // A listening server likewise (reached from its handle, or from Node's own connection-check
    // interval, which lives as long as it listens): close it.
    const last = steps.at(-1);
    if (last !== undefined && last.node === to && last.holder === undefined && isRunningWorker(graph, to)) {
      steps[steps.length - 1] = { text: `${last.text.startsWith(' → ') ? ' → ' : ''}(running Worker)`, node: to, anchor: true, start: true, holder: { kind: 'worker', selfReleasing: false } };
    } else if (last !== undefined && last.node === to && last.holder === undefined && isListeningServer(graph, to)) {
      steps[steps.length - 1] = { text: `${last.text.startsWith(' → ') ? ' → ' : ''}(listening Server)`, node: to, anchor: true, start: true, holder: { kind: 'server', selfReleasing: false } };
    }
  }
  collapseBuiltinModules(steps);
  const start = startOfShownPath(graph, steps);
  const shown = steps.slice(start).filter((step, i) => i === 0 || step.text !== '');
  const exportsOf = steps[start]?.holder?.kind === 'module-exports' ? ` (${steps[start]!.file})` : '';
  return { text: foldSteps(shown) + exportsOf, steps, start, edges };
}

/** The holder a Node `ClientRequest` in flight is: awaiting its response while it has none (`res` is not an IncomingMessage). */
function clientRequestHolder(graph: HeapGraph, request: number): RetainerHolder {
  const res = targetNamed(graph, request, 'res');
  return res >= 0 && graph.nodeName(res) === 'IncomingMessage' ? { kind: 'http-request', selfReleasing: false } : { kind: 'http-request', awaitingResponse: true, selfReleasing: false };
}

/** Node's internal modules whose exports users reach through a public module (`http.globalAgent` is `_http_agent`'s). */
const PUBLIC_MODULE: Readonly<Record<string, string>> = {
  _http_agent: 'http',
  _http_client: 'http',
  _http_common: 'http',
  _http_incoming: 'http',
  _http_outgoing: 'http',
  _http_server: 'http',
  _tls_common: 'tls',
  _tls_wrap: 'tls',
};

/**
 * Node's own record of a built-in module (`BuiltinModule.map.get('_http_agent').exports`, seen where
 * the runner's module system does not hold the module first) as a module's exports, the way a user's
 * module's are shown: `exports.globalAgent.sockets[…] (node:http)`. Changes `steps` in place.
 */
function collapseBuiltinModules(steps: RetainerStep[]): void {
  for (let i = 0; i + 2 < steps.length; i++) {
    if (steps[i]!.text.replace(/^ → /, '') !== 'BuiltinModule.map') continue;
    const id = /^\.get\('([^']+)'\)$/.exec(steps[i + 1]!.text)?.[1];
    if (id === undefined || steps[i + 2]!.text !== '.exports') continue;
    const file = `node:${PUBLIC_MODULE[id] ?? id}`;
    steps.splice(i, 3, { text: 'exports', node: steps[i + 2]!.node, anchor: true, start: true, file, holder: { kind: 'module-exports', file, selfReleasing: false } });
  }
}

/**
 * The shown steps as one text, folded in the middle when longer than MAX_SHOWN_STEPS: the first 3
 * and the last 5 steps, and between them only the holders (a listener list with the listener's
 * position, a pooled socket, a timer, a promise reaction…), each run of left-out steps written ` … `.
 * A step that only qualifies the one before it (` (result)`, ` (Set member)`) is not counted apart.
 */
function foldSteps(steps: ReadonlyArray<Pick<RetainerStep, 'text' | 'holder'>>): string {
  const shown: Array<Pick<RetainerStep, 'text' | 'holder'>> = [];
  for (const step of steps) {
    const last = shown[shown.length - 1];
    if (last !== undefined && step.text.startsWith(' (')) shown[shown.length - 1] = { ...last, text: last.text + step.text };
    else shown.push(step);
  }
  const tail = MAX_SHOWN_STEPS - 3;
  const keep = (step: Pick<RetainerStep, 'text' | 'holder'>, i: number): boolean =>
    i < 3 || i >= shown.length - tail || step.holder !== undefined || (shown[i - 1]?.holder?.kind === 'listener' && /^\[\d+\]$/.test(step.text));
  const kept = shown.length <= MAX_SHOWN_STEPS ? shown : shown.filter(keep);
  let text = '';
  let shownIndex = 0;
  for (const step of kept) {
    const index = shown.indexOf(step, shownIndex);
    if (index > shownIndex) text += ' … ';
    text += text.endsWith(' … ') ? step.text.replace(/^(?: → | )/, '') : step.text;
    shownIndex = index + 1;
  }
  return text.replace(/^ → /, '');
}

/** The last step marked as a holder the user can act on (`start`), or -1. */
function lastStart(steps: readonly RetainerStep[]): number {
  for (let i = steps.length - 1; i >= 0; i--) {
    if (steps[i]!.start === true) return i;
  }
  return -1;
}

/**
 * The first variable the awaiting chain leads to, before step `before`: after the last suspended
 * function on the path (`await in main() → stuck`, or through a closure it holds), a limiter or a
 * queue the user's code made, which keeps the closure (`stuck → generator() → queue … →
 * anonymous() → j`). Undefined when the path has no suspended function or no such variable.
 */
function suspendedVariableBefore(steps: readonly RetainerStep[], before: number): number | undefined {
  let awaiting = -1;
  for (let i = before - 1; i >= 0 && awaiting < 0; i--) {
    if (steps[i]!.text.startsWith(' → await in ')) awaiting = i;
  }
  if (awaiting < 0) return undefined;
  for (let i = awaiting + 1; i < before; i++) {
    const step = steps[i]!;
    if (step.anchor && step.internal !== true && /^ → [\w$]+$/.test(step.text)) return i;
  }
  return undefined;
}

/** How many steps before a closure its holder may be (e.g. `bus listeners 'tick'[2]`). */
const HOLDER_SEARCH_STEPS = 4;

/**
 * Where the shown path starts: the last holder the user can act on — a module variable of their code,
 * a global they set, a class, a module's exports, a pending timer, a WeakMap entry — so that the
 * closures, listeners and reactions between it and the leaked object are all shown. Without one (an
 * object only a running or suspended function holds), the last variable, with what holds its
 * function when that is known; when that variable is the leaked object's own, the open handle of
 * Node's before it (a file watcher, a server), if any.
 */
function startOfShownPath(graph: HeapGraph, steps: RetainerStep[]): number {
  const start = lastStart(steps);
  if (start >= 0) return start;
  const chosen = startAtVariable(graph, steps);
  // Only the leaked object's own variable: an open handle of Node's before it (a file watcher or a
  // server a library wraps, whose listener holds the object) is what keeps it.
  if (chosen === steps.length - 1) {
    for (let i = chosen - 1; i > 0; i--) {
      if (steps[i]!.text.startsWith('(open ')) return i;
    }
  }
  return chosen;
}

/** Where the shown path starts when no holder on it is marked as a start: the last variable, and so on (see startOfShownPath). */
function startAtVariable(graph: HeapGraph, steps: RetainerStep[]): number {
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
  // A function an object's property holds, that object reached from a variable of the user's code
  // (`client.interceptors.request.handlers[2].fulfilled → anonymous() → ctx`): start at that variable.
  let owner = closure - 1;
  while (owner > 0 && /^[.[]/.test(steps[owner]!.text)) owner--;
  const ownerStep = steps[owner];
  if (owner < closure - 1 && ownerStep?.anchor === true && ownerStep.internal !== true && /^(?: → )?[\w$]+$/.test(ownerStep.text)) return owner;
  // An anonymous function counts only when a container holds it (`hooks[1] → anonymous()`); one held
  // otherwise is often a runner's wrapper (`fn → anonymous()`), and the variable is the better start.
  const anonymous = closureText === ' → anonymous()';
  if (anonymous && !/^(\[| listeners |\.get\()/.test(steps[closure - 1]?.text ?? '')) return suspendedVariableBefore(steps, closure) ?? last;
  for (let i = closure - 1; i >= Math.max(0, closure - HOLDER_SEARCH_STEPS); i--) {
    if (steps[i]!.anchor) return i;
  }
  if (anonymous) return suspendedVariableBefore(steps, closure) ?? last;
  // No named holder nearby: start at the step that reaches the closure, labelled with its holder's kind.
  const reach = closure - 1;
  if (reach >= 1) {
    const holder = steps[reach - 1]!;
    steps[reach] = { ...steps[reach]!, text: `(${graph.nodeName(holder.node) || graph.nodeType(holder.node)})${steps[reach]!.text}` };
    return reach;
  }
  return last;
}
