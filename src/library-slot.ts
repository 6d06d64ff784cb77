/**
 * Recognises, on a retainer path in a heap snapshot, a library's "last value" slot: an object held
 * by a module-level variable of code under `node_modules/` through nothing but named properties and
 * closure variables (e.g. `@sapphire/shapeshift` keeping the last value it validated:
 * `requestShape.shape.id.parent.userData.toJSON → value() → this`, in `@crawlee/memory-storage`).
 * A property whose name is not an identifier (`cache['http://…']`) counts as a collection entry.
 * Such a path can hold one object at a time: a slot is overwritten, never appended to. Any
 * collection on the way (an array element, a Map or Set entry, a WeakMap value, a listener list), a
 * runtime holder (a timer, a socket, an AsyncLocalStorage store, a promise reaction) or a variable of
 * the user's own code disqualifies the path. Reads snapshot nodes and edges only; never touches live
 * objects and never decides a verdict (bounded-retention.ts does).
 */
import { isNodeInternal, isRunnerInternal, isTimeout, scriptOfContext } from './holders';
import { IDENTIFIER, accessor, contextDepth, contextSlotName } from './path-names';
import type { HeapGraph } from './snapshot/graph';

/** A library's slot holding one object, as found on its retainer path. */
export interface LibrarySlot {
  /** The package whose module variable holds the slot (`@crawlee/memory-storage`). */
  package: string;
  /** The path from that variable to the object, as code (`requestShape.shape.id.parent.userData.toJSON → value() → this`). */
  holder: string;
  /** Identifies the slot's holder across tests: the holding module's file and variable. */
  key: string;
}

const NODE_MODULES = /[\\/]node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/g;

/** The package a script under `node_modules/` belongs to (the innermost one), or undefined. */
export function packageOfScript(script: string): string | undefined {
  let found: string | undefined;
  for (const match of script.matchAll(NODE_MODULES)) found = match[1]!.replace(/\\/g, '/');
  return found;
}

/** Property names of runtime holders: listener lists, async-context stores, a socket's owner. */
const RUNTIME_PROPERTIES = new Set(['_events', '<symbol kEvents>', '<symbol kResourceStore>', '<symbol kAsyncContextFrame>', '<symbol owner_symbol>', '<symbol kHandle>']);

type EdgeKind = 'variable' | 'property' | 'closure' | 'other' | 'runtime';

/** What one edge of a path is, for this rule: a closure variable, a named property, a closure's scope, or anything else. */
function kindOf(graph: HeapGraph, edge: number): EdgeKind {
  const type = graph.edgeType(edge);
  const from = graph.edgeFrom(edge);
  const to = graph.edgeTo(edge);
  const name = graph.edgeName(edge);
  if (type === graph.edgeContext) return 'variable';
  if (type === graph.edgeHidden && graph.nodeName(from) === 'system / Context') return 'variable';
  if (type === graph.edgeInternal && name === 'context' && graph.nodeType(from) === 'closure') return 'closure';
  if (type === graph.edgeInternal && name === 'previous' && graph.nodeName(from) === 'system / Context') return 'closure';
  // Anywhere on the path, a runtime holder (a listener list, an async-context store, a socket, a
  // timer, a promise reaction) means the object is not held by a library's module state.
  if (typeof name === 'string' && RUNTIME_PROPERTIES.has(name)) return 'runtime';
  if (isTimeout(graph, from) || isTimeout(graph, to) || graph.nodeName(to) === 'system / PromiseReaction') return 'runtime';
  if (type !== graph.edgeProperty || typeof name !== 'string' || /^\d+$/.test(name)) return 'other';
  // A key that is not an identifier (a URL, a path) is data: the object is used as a dictionary.
  if (!IDENTIFIER.test(name) && !name.startsWith('<symbol ')) return 'other';
  const fromName = graph.nodeName(from);
  if (fromName === 'Map' || fromName === 'Set' || fromName === 'WeakMap' || fromName === 'WeakSet' || fromName === 'FinalizationRegistry') return 'other';
  return 'property';
}

/** Whose code a script is. */
function ownerOf(script: string): 'library' | 'node' | 'user' {
  if (isNodeInternal(script)) return 'node';
  if (script !== '' && !isRunnerInternal(script) && packageOfScript(script) !== undefined) return 'library';
  // A runner's own code is under node_modules too, but it is never where an app's library keeps a slot.
  return isRunnerInternal(script) ? 'node' : 'user';
}

/**
 * The library slot holding the object at the end of `edges` (a path from a GC root, as
 * `HeapGraph.pathTo` gives it), or undefined when the path is not one.
 */
export function librarySlotOf(graph: HeapGraph, edges: readonly number[]): LibrarySlot | undefined {
  if (edges.length === 0) return undefined;
  const kinds = edges.map((edge) => kindOf(graph, edge));
  if (kinds.includes('runtime')) return undefined;
  // The tail: the longest end of the path made of properties and closure variables only.
  let tail = edges.length;
  while (tail > 0 && kinds[tail - 1] !== 'other') tail--;
  // The holder: the outermost (least nested) module variable of library code in the tail, the last
  // one when several are equally outer (a module system's own `require` comes before it).
  let anchor = -1;
  let anchorDepth = Infinity;
  for (let i = tail; i < edges.length; i++) {
    if (kinds[i] !== 'variable') continue;
    const context = graph.edgeFrom(edges[i]!);
    const script = scriptOfContext(graph, context);
    const owner = ownerOf(script);
    if (owner === 'user') return undefined;
    if (owner !== 'library') continue;
    const depth = contextDepth(graph, context);
    if (depth <= anchorDepth) {
      anchor = i;
      anchorDepth = depth;
    }
  }
  // A module's own variables are one function deep (the module wrapper of Node, Jest and Vitest).
  if (anchor < 0 || anchorDepth > 1) return undefined;
  // No variable of the user's code anywhere on the way (a module variable of theirs is theirs to fix).
  for (let i = 0; i < tail; i++) {
    if (kinds[i] === 'variable' && ownerOf(scriptOfContext(graph, graph.edgeFrom(edges[i]!))) === 'user') return undefined;
  }
  const anchorEdge = edges[anchor]!;
  const anchorContext = graph.edgeFrom(anchorEdge);
  const script = scriptOfContext(graph, anchorContext);
  const variable = variableName(graph, anchorEdge);
  let holder = variable;
  for (let i = anchor + 1; i < edges.length; i++) {
    const edge = edges[i]!;
    if (kinds[i] === 'property') holder += accessor(String(graph.edgeName(edge)));
    else if (kinds[i] === 'variable') holder += `${holder.endsWith('()') ? ' → ' : '.'}${variableName(graph, edge)}`;
    else if (graph.edgeName(edge) === 'context') holder += ` → ${graph.nodeName(graph.edgeFrom(edge)) || 'anonymous'}()`;
  }
  return { package: packageOfScript(script)!, holder, key: `${script}#${variable}` };
}

function variableName(graph: HeapGraph, edge: number): string {
  if (graph.edgeType(edge) === graph.edgeContext) return String(graph.edgeName(edge));
  return contextSlotName(graph, graph.edgeFrom(edge), Number(graph.edgeName(edge))) ?? '(variable)';
}
