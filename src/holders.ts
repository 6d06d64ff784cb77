/**
 * Recognises, from heap snapshot data, who a retainer path's objects belong to: the script a closure
 * or a variable scope comes from (user code, Node's internals, a test runner's internals), module
 * records of Node, Jest and Vitest (an object with `exports` and the module's file name), Node
 * timers and their list, and the file name to show for a script. Reads snapshot nodes and edges only:
 * never touches live objects, never renders a path (retainers.ts does).
 */
import * as path from 'node:path';
import { stringText } from './path-names';
import type { HeapGraph } from './snapshot/graph';

/** Test runners' own code (and Jest's `expect`, whose matcher holds the checked function as `actual`): their module systems and workers hold every user module. */
const RUNNER_CODE = /[\\/]node_modules[\\/](?:vitest|expect|@vitest|vite-node|vite|tinypool|tinyspy|jest-[\w-]+|@jest|jest)[\\/]/;

/** The first edge of `node` with this name (an index, for an element edge), or -1. */
export function edgeNamed(graph: HeapGraph, node: number, name: string | number): number {
  for (let e = graph.firstEdge[node]!; e < graph.firstEdge[node + 1]!; e++) {
    if (graph.edgeName(e) === name) return e;
  }
  return -1;
}

/** The node an edge of `node` with this name points to, or -1. */
export function targetNamed(graph: HeapGraph, node: number, name: string | number): number {
  const e = edgeNamed(graph, node, name);
  return e < 0 ? -1 : graph.edgeTo(e);
}

/** The script (its URL or file name) a closure's code comes from; '' when the snapshot does not say. */
export function scriptOfClosure(graph: HeapGraph, closure: number): string {
  const shared = targetNamed(graph, closure, 'shared');
  if (shared < 0) return '';
  // V8 names the edge `script_or_debug_info` (Node 20) or `script` (newer V8).
  let script = targetNamed(graph, shared, 'script_or_debug_info');
  // Node 20: a function the debugger has break info for (a hooked constructor) points to its
  // DebugInfo, whose second field is the script.
  if (script >= 0 && graph.nodeName(script) === 'system / DebugInfo') script = targetNamed(graph, script, 1);
  if (script < 0) script = targetNamed(graph, shared, 'script');
  if (script < 0) return '';
  const name = graph.nodeName(script);
  return name.startsWith('system / ') ? '' : name;
}

/** The script of a timer's callback (a Timeout node's `_onTimeout`): its closure's, or a bound function's target's. */
export function timerCallbackScript(graph: HeapGraph, timer: number): string {
  const callback = targetNamed(graph, timer, '_onTimeout');
  if (callback < 0) return '';
  const script = scriptOfClosure(graph, callback);
  if (script !== '') return script;
  const target = targetNamed(graph, callback, 'bound_function');
  return target < 0 ? '' : scriptOfClosure(graph, target);
}

/** The script of the function a closure context belongs to: that of a closure created in it. */
export function scriptOfContext(graph: HeapGraph, context: number): string {
  let script = '';
  graph.forEachRetainer(context, (retainer, edge) => {
    if (script === '' && graph.nodeType(retainer) === 'closure' && graph.edgeName(edge) === 'context') script = scriptOfClosure(graph, retainer);
  });
  return script;
}

/** Node's own code (`node:timers`, `node:internal/…`). */
export function isNodeInternal(script: string): boolean {
  return script.startsWith('node:') || script.startsWith('internal/');
}

/** A test runner's own code (Vitest, Vite, Jest and their workers). */
export function isRunnerInternal(script: string): boolean {
  return RUNNER_CODE.test(script);
}

/** A script name as the report shows it: relative to the working directory when inside it, no `file://`. */
export function displayFile(script: string): string {
  let file = script;
  if (file.startsWith('file://')) {
    try {
      file = decodeURIComponent(new URL(file).pathname);
    } catch {
      return script;
    }
  }
  file = file.replace(/\?.*$/, '');
  if (!path.isAbsolute(file)) return file;
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

/** The text of a string node (up to 4096 characters), or undefined for other nodes. */
function stringValue(graph: HeapGraph, node: number): string | undefined {
  const type = graph.nodeType(node);
  return type === 'string' || type === 'sliced string' || type === 'concatenated string' ? stringText(graph, node, 4096) : undefined;
}

/**
 * The file of a module record — Node's `Module`, Jest's module objects, Vitest's evaluated module
 * nodes — from its `filename`, `file` or `id` property (an absolute path or a file URL); undefined
 * when `node` is not one. Only objects that also have an `exports` property qualify.
 */
export function moduleRecordFile(graph: HeapGraph, node: number): string | undefined {
  if (graph.nodeType(node) !== 'object' || edgeNamed(graph, node, 'exports') < 0) return undefined;
  for (const name of ['filename', 'file', 'id']) {
    const target = targetNamed(graph, node, name);
    const value = target < 0 ? undefined : stringValue(graph, target);
    if (value !== undefined && (path.isAbsolute(value) || value.startsWith('file://'))) return value;
  }
  return undefined;
}

/** Node's own module variables users know under a public name. */
const PUBLIC_NODE_VARIABLES: Record<string, Record<string, string>> = {
  'node:_http_agent': { globalAgent: 'http.globalAgent' },
  'node:https': { globalAgent: 'https.globalAgent' },
};

/** The public name of a variable of Node's own code (`http.globalAgent`), if it has one. */
export function publicNodeVariable(script: string, variable: string): string | undefined {
  return PUBLIC_NODE_VARIABLES[script]?.[variable];
}

/**
 * A running worker thread of Node's (`node:worker_threads` Worker): its native handle is set until
 * the thread exits (Node then clears it). Its message ports keep it, and what its listeners hold,
 * alive meanwhile.
 */
export function isRunningWorker(graph: HeapGraph, node: number): boolean {
  if (graph.nodeName(node) !== 'Worker' || graph.nodeType(node) !== 'object' || targetNamed(graph, node, '<symbol kPublicPort>') < 0) return false;
  const handle = targetNamed(graph, node, '<symbol kHandle>');
  return handle >= 0 && graph.nodeType(handle) === 'object';
}

/**
 * A listening server of Node's (`net.Server`, and the `http`/`https` servers built on it): its native
 * handle (a TCP or pipe wrap) is set until it is closed (Node then sets it to null). Its listeners,
 * and what they hold (an app behind `app.listen()`), live as long.
 */
export function isListeningServer(graph: HeapGraph, node: number): boolean {
  if (graph.nodeName(node) !== 'Server' || graph.nodeType(node) !== 'object') return false;
  const handle = targetNamed(graph, node, '_handle');
  return handle >= 0 && graph.nodeType(handle) === 'object' && /^(?:TCP|Pipe)$/.test(graph.nodeName(handle));
}

/** A Node timer object (setTimeout / setInterval), by its class name. */
export function isTimeout(graph: HeapGraph, node: number): boolean {
  return graph.nodeName(node) === 'Timeout' && graph.nodeType(node) === 'object';
}

/** Whether the edge `e` from `from` is a link of Node's timer lists (the timer it reaches is pending). */
export function isTimerListEdge(graph: HeapGraph, from: number, e: number): boolean {
  const name = graph.edgeName(e);
  return graph.nodeName(from) === 'TimersList' || (isTimeout(graph, from) && (name === '_idleNext' || name === '_idlePrev'));
}

/** Links followed at most along a timer list to the list itself (see timerDelayOf). */
const MAX_TIMER_LIST_STEPS = 5_000;

/**
 * A pending timer's delay from the snapshot alone: the key under which Node's `timerListMap` holds
 * the list the timer is in (reached along its `_idleNext` links). Undefined when the list is not
 * found within the bound. For a timeout whose live state cannot be read: it is due within that long.
 */
export function timerDelayOf(graph: HeapGraph, timeout: number): number | undefined {
  let node = targetNamed(graph, timeout, '_idleNext');
  for (let steps = 0; steps < MAX_TIMER_LIST_STEPS && node >= 0 && node !== timeout; steps++) {
    if (graph.nodeName(node) === 'TimersList' && graph.nodeType(node) === 'object') {
      let delay: number | undefined;
      graph.forEachRetainer(node, (map, edge) => {
        const key = graph.edgeName(edge);
        // timerListMap (a null-prototype object); the lists' priority queue is an Array.
        if (delay === undefined && graph.edgeType(edge) === graph.edgeElement && typeof key === 'number' && graph.nodeName(map) === 'Object') delay = key;
      });
      return delay;
    }
    node = targetNamed(graph, node, '_idleNext');
  }
  return undefined;
}

/**
 * Whether a timer repeats, from the snapshot alone: a timeout's `_repeat` is null (an edge to an
 * oddball), an interval's is a number (a small integer has no edge at all). Undefined when unsure.
 */
export function timerRepeats(graph: HeapGraph, timeout: number): boolean | undefined {
  const repeat = targetNamed(graph, timeout, '_repeat');
  if (repeat < 0) return edgeNamed(graph, timeout, '_onTimeout') >= 0 ? true : undefined;
  // A timer's _repeat is null or a number. Node 20's snapshots name every oddball `system / Oddball`;
  // Node 24's name null `null` (the oddball's own text).
  const name = graph.nodeName(repeat);
  return graph.nodeType(repeat) === 'number' ? true : name === 'system / Oddball' || name === 'null' ? false : undefined;
}
