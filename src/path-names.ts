/**
 * Names on retainer paths: how a snapshot's property names, map keys, variables and hash-table slots
 * read as code (`.meta`, `['text/html']`, `.get('k')`, a module variable's name from its scope's
 * metadata). Reads snapshot data only; never touches live objects, never decides where a path starts.
 */
import type { HeapGraph } from './snapshot/graph';

/**
 * Names a context slot the snapshot leaves unnamed, from the live heap: given the context's node and
 * the node of the value in the slot. Optional (e.g. explain.ts asks V8 through the inspector).
 */
export type SlotNamer = (context: number, value: number) => string | undefined;

export const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** V8's edge name for a WeakMap entry: "N / part of key (Class @K) -> value (Class @V) pair in WeakMap (table @T)". */
export const EPHEMERON = /part of key \(.*? @(\d+)\) -> value .* pair in WeakMap \(table @(\d+)\)/;

export function quote(text: string): string {
  const short = text.length > 40 ? `${text.slice(0, 39)}…` : text;
  return `'${short.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

export function accessor(name: string | number): string {
  if (typeof name === 'number') return `[${name}]`;
  if (/^\d+$/.test(name)) return `[${name}]`;
  // A class's private field (`#items`): the snapshot names the edge with its `#`.
  if (PRIVATE_NAME.test(name)) return `.${name}`;
  return IDENTIFIER.test(name) ? `.${name}` : `[${quote(name)}]`;
}

/** A private class member's name as V8's heap snapshot gives it. */
const PRIVATE_NAME = /^#[A-Za-z_$][\w$]*$/;

/** A JavaScript global object (of the main context, a worker or a vm context): it has a global proxy. */
export function isGlobalObject(graph: HeapGraph, node: number): boolean {
  if (graph.nodeType(node) !== 'object') return false;
  for (let e = graph.firstEdge[node]!; e < graph.firstEdge[node + 1]!; e++) {
    if (graph.edgeName(e) === 'global_proxy') return true;
  }
  return false;
}

/** Node's `process` object (its class is named `process`, and it has `versions`). */
export function isProcessObject(graph: HeapGraph, node: number): boolean {
  if (graph.nodeType(node) !== 'object' || graph.nodeName(node) !== 'process') return false;
  for (let e = graph.firstEdge[node]!; e < graph.firstEdge[node + 1]!; e++) {
    if (graph.edgeName(e) === 'versions') return true;
  }
  return false;
}

/** The text of a string node, joining the parts of concatenated strings (up to a short length). */
export function stringText(graph: HeapGraph, node: number, budget = 60): string {
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
export function contextSlotName(graph: HeapGraph, context: number, index: number): string | undefined {
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
export function contextDepth(graph: HeapGraph, context: number): number {
  let depth = 0;
  let node = context;
  let outermost = context;
  for (let seen = 0; graph.nodeName(node) === 'system / Context' && seen < 50; seen++) {
    // A module wrapper's scope (Vite's in Vitest, CommonJS's): a scope of its own only when the
    // module's code uses one of its parameters in a function (`import.meta`, a dynamic `import()`,
    // `require` in a test's callback); under Vite the module's variables are then in the block
    // inside it, which is the module scope. (A function right inside a CommonJS wrapper whose scope
    // holds only parameters is told apart by isOutermostFunctionScope.)
    if (!isModuleWrapperScope(graph, node)) {
      depth++;
      outermost = node;
    }
    let previous = -1;
    for (let e = graph.firstEdge[node]!; e < graph.firstEdge[node + 1]!; e++) {
      if (graph.edgeName(e) === 'previous') previous = graph.edgeTo(e);
    }
    if (previous < 0) break;
    node = previous;
  }
  // A function of a module whose own scope has no context: the module scope around it counts too.
  return isOutermostFunctionScope(graph, outermost) ? depth + 1 : depth;
}

/** A module wrapper's parameters (Vitest's module runner, vite-node's and Node's CommonJS ones). */
const MODULE_WRAPPER_PARAMETER = /^(?:__vite_ssr_\w+__|require|exports|module|__filename|__dirname)$/;

/** A context holding only parameters of a module wrapper, at least one (see contextDepth). */
function isModuleWrapperScope(graph: HeapGraph, context: number): boolean {
  let parameters = 0;
  for (let e = graph.firstEdge[context]!; e < graph.firstEdge[context + 1]!; e++) {
    const type = graph.edgeType(e);
    if (type === graph.edgeHidden) return false;
    if (type !== graph.edgeContext) continue;
    if (!MODULE_WRAPPER_PARAMETER.test(String(graph.edgeName(e)))) return false;
    parameters++;
  }
  return parameters > 0;
}

/** Names V8 gives the function of a module's scope: none (Node's CommonJS wrapper, an ES module's), Jest's wrapper's. */
const MODULE_FUNCTION_NAMES: ReadonlySet<string> = new Set(['', 'Object.<anonymous>']);

/**
 * Whether a context with no enclosing context is a function's own scope, not a module's. A CommonJS
 * module whose functions use none of its top-level variables gets no context, so a context of one of
 * its functions (timed-out's `module.exports = function (req, time) {…}`, holding `req` for a timer's
 * callback) comes right after the native context, as a module scope's does. Told from the context's
 * ScopeInfo: owned by a live function's SharedFunctionInfo, with no module info (an ES module's
 * scope has it, an array) and, as its last string, the function's name or inferred name
 * (`guard`, `module.exports`) rather than a module wrapper's (empty, or Jest's `Object.<anonymous>`).
 */
function isOutermostFunctionScope(graph: HeapGraph, context: number): boolean {
  let scopeInfo = -1;
  for (let e = graph.firstEdge[context]!; e < graph.firstEdge[context + 1]!; e++) {
    if (graph.edgeName(e) === 'scope_info') scopeInfo = graph.edgeTo(e);
  }
  if (scopeInfo < 0) return false;
  let owned = false;
  graph.forEachRetainer(scopeInfo, (owner, edge) => {
    if (graph.edgeName(edge) === 'name_or_scope_info' && graph.nodeType(owner) === 'code') owned = true;
  });
  if (!owned) return false;
  let lastString = -1;
  for (let e = graph.firstEdge[scopeInfo]!; e < graph.firstEdge[scopeInfo + 1]!; e++) {
    if (graph.edgeType(e) !== graph.edgeHidden) continue;
    const type = graph.nodeType(graph.edgeTo(e));
    if (type === 'array') return false;
    if (type === 'string' || type === 'concatenated string' || type === 'sliced string') lastString = graph.edgeTo(e);
  }
  return lastString >= 0 && !MODULE_FUNCTION_NAMES.has(stringText(graph, lastString, 200));
}

/** The WeakMap (or Map/Set) object that owns a hash table. */
export function ownerOfTable(graph: HeapGraph, table: number): number | undefined {
  let owner: number | undefined;
  graph.forEachRetainer(table, (retainer, edge) => {
    if (owner === undefined && graph.edgeName(edge) === 'table') owner = retainer;
  });
  return owner;
}

/** A name the user knows an object by: the variable or property it is held through, if any. */
export function nameOf(graph: HeapGraph, node: number, nameSlot?: SlotNamer): string | undefined {
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
export function describeKey(graph: HeapGraph, node: number): string {
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
export function mapSlotRole(graph: HeapGraph, table: number, index: number): 'key' | 'value' | undefined {
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
export function mapStep(graph: HeapGraph, table: number, index: number): string {
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

/** The node at index `index` of an array-like node (a hash table), or -1. */
export function targetOfIndex(graph: HeapGraph, node: number, index: number): number {
  for (let e = graph.firstEdge[node]!; e < graph.firstEdge[node + 1]!; e++) {
    const name = graph.edgeName(e);
    if (name === index || name === String(index)) return graph.edgeTo(e);
  }
  return -1;
}
