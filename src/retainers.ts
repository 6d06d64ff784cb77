/**
 * Retainer paths: turns the shortest path from a GC root to a leaked object (in a heap snapshot)
 * into what the user would write — `scheduler.queue[0].meta.referer`, `cache.get('http://…')`,
 * `globalThis.x`, `SpiderRegistry.all[3]`, `emitter listeners 'tick' → onTick() → item` — starting
 * from the closest variable, global or class the user owns. Works on snapshot data only; never
 * touches live objects.
 */
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

export function retainerPath(graph: HeapGraph, target: number, nameSlot?: SlotNamer): RetainerPath | undefined {
  const edges = graph.pathTo(target);
  if (edges === undefined) return undefined;
  const steps: RetainerStep[] = [];
  for (let i = 0; i < edges.length; i++) {
    const e = edges[i]!;
    const from = graph.edgeFrom(e);
    const to = graph.edgeTo(e);
    const type = graph.edgeType(e);
    const name = graph.edgeName(e);
    const fromName = graph.nodeName(from);
    if (type === graph.edgeShortcut || graph.nodeType(from) === 'synthetic') {
      steps.push({ text: isGlobalObject(graph, to) ? 'globalThis' : `(${graph.nodeName(to) || 'root'})`, node: to, anchor: false });
    } else if (type === graph.edgeProperty && isGlobalObject(graph, from)) {
      steps.push({ text: IDENTIFIER.test(String(name)) ? `globalThis.${name}` : `globalThis[${quote(String(name))}]`, node: to, anchor: true });
    } else if (type === graph.edgeContext || (type === graph.edgeHidden && fromName === 'system / Context')) {
      // A closure or module variable; unnamed when V8's snapshot gives no reliable name for the slot.
      const variable = type === graph.edgeContext ? String(name) : (contextSlotName(graph, from, Number(name)) ?? nameSlot?.(from, to) ?? '(variable)');
      const previous = [...steps].reverse().find((step) => step.text !== '');
      const afterClosure = previous !== undefined && previous.text.endsWith('()');
      steps.push({ text: `${afterClosure ? ' → ' : ''}${variable}`, node: to, anchor: true, nested: contextDepth(graph, from) > 1 });
    } else if (type === graph.edgeProperty && graph.nodeType(from) === 'closure' && /^[A-Z]/.test(fromName) && name !== 'prototype') {
      // A static field of a class: `SpiderRegistry.all`.
      steps.push({ text: `${fromName}${accessor(name)}`, node: to, anchor: true });
    } else if (type === graph.edgeInternal && name === 'table' && (fromName === 'Map' || fromName === 'Set')) {
      const next = edges[i + 1];
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
      const next = edges[i + 1];
      if (next !== undefined && graph.edgeType(next) === graph.edgeProperty) {
        steps.push({ text: ` listeners ${quote(String(graph.edgeName(next)))}`, node: graph.edgeTo(next), anchor: false });
        i++;
      } else {
        steps.push({ text: accessor(name), node: to, anchor: false });
      }
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
      steps.push({ text: `${mapName}.get(${keyName})`, node: to, anchor: true });
    } else {
      // Other VM-internal steps (promise reactions, suspended functions' registers…) are left out.
      steps.push({ text: '', node: to, anchor: false });
    }
  }
  const start = startOfShownPath(graph, steps);
  const shown = steps.slice(start);
  const parts = shown.length > MAX_SHOWN_STEPS ? [...shown.slice(0, 3), { text: ' … ' }, ...shown.slice(-(MAX_SHOWN_STEPS - 3))] : shown;
  return { text: parts.map((step) => step.text).join('').replace(/^ → /, ''), steps, start, edges };
}

/** How many steps before a closure its holder may be (e.g. `bus listeners 'tick'[2]`). */
const HOLDER_SEARCH_STEPS = 4;

/**
 * Where the shown path starts: the last variable, global or class static before the leaked object.
 * A variable of a nested named function also shows what holds that function (an emitter's listener
 * list, a timer): from a variable a few steps before it, or else from the object holding the closure.
 */
function startOfShownPath(graph: HeapGraph, steps: RetainerStep[]): number {
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
