/**
 * Other retaining paths to an object than the shortest one: those through an edge that may be a holder
 * of the user's code (a variable of a closure or module scope, a property of a global object, a static
 * field of a class, a module's `exports`, a WeakMap value). A bounded breadth-first search backwards
 * from the object over its retainers finds such edges nearest the object first; each candidate path is
 * the shortest path from the roots to the edge's holder, the edge, then the edges found back to the
 * object. Reads snapshot data only; never renders or judges a path (retainers.ts does), and never
 * searches more than its bounds, whatever the heap's size.
 */
import { EPHEMERON, isGlobalObject } from './path-names';
import type { HeapGraph } from './snapshot/graph';

/** How far from the object a holder may be, in edges (`bus listeners 'tick'[0] → onTick() → item` is 6). */
const MAX_DEPTH = 10;
/** At most this many objects are visited backwards from the object... */
const MAX_VISITED = 5_000;
/** ...and at most this many retainer edges read (a few milliseconds at most). */
const MAX_RETAINER_EDGES = 50_000;

/**
 * Whether the edge `e` from `retainer` keeps its target alive: not a weak edge, a shortcut, a WeakMap
 * table's edge to a value (its key's does), or a link V8 keeps between promises for a debugger (the
 * forward searches skip those too: HeapGraph.isDebuggerPromiseLink).
 */
export function keepsAlive(graph: HeapGraph, retainer: number, e: number): boolean {
  const type = graph.edgeType(e);
  return type !== graph.edgeWeak && type !== graph.edgeShortcut && !graph.isWeakMapTableEdge(retainer, e) && !graph.isDebuggerPromiseLink(retainer, e);
}

/** Whether the edge `e` from `from` may be a holder the user can act on (retainers.ts decides). */
function mayBeHolder(graph: HeapGraph, from: number, e: number): boolean {
  const type = graph.edgeType(e);
  if (type === graph.edgeContext) return true;
  if (type === graph.edgeHidden) return graph.nodeName(from) === 'system / Context';
  if (type === graph.edgeProperty) {
    const name = graph.edgeName(e);
    if (name === 'exports') return true;
    if (graph.nodeType(from) === 'closure') return /^[A-Z]/.test(graph.nodeName(from)) && name !== 'prototype';
    return isGlobalObject(graph, from);
  }
  return typeof graph.edgeName(e) === 'string' && EPHEMERON.test(String(graph.edgeName(e)));
}

/** A path through a holder: edges from a root to the target; `edges[holder]` is the holder's edge. */
export interface HolderPath {
  edges: number[];
  holder: number;
}

/**
 * Paths (edges from a root to `target`, as `HeapGraph.pathTo` gives them) through edges that may be
 * holders, nearest holder first. Stops at its bounds. Lazy: the caller stops asking once it has one
 * it likes.
 */
export function* pathsThroughHolders(graph: HeapGraph, target: number): Generator<HolderPath> {
  const parents = graph.parentEdges();
  // For each object reached backwards, the edge it holds the next object by, towards the target.
  const toward = new Map<number, number>([[target, -1]]);
  const depth = new Map<number, number>([[target, 0]]);
  const queue = [target];
  let read = 0;
  for (let head = 0; head < queue.length && read < MAX_RETAINER_EDGES; head++) {
    const node = queue[head]!;
    const d = depth.get(node)!;
    const found: Array<[number, number]> = [];
    graph.forEachRetainer(node, (retainer, edge) => {
      read++;
      if (!keepsAlive(graph, retainer, edge)) return;
      if (parents[retainer]! < 0 || graph.nodeType(retainer) === 'synthetic') return;
      if (mayBeHolder(graph, retainer, edge)) found.push([retainer, edge]);
      if (!toward.has(retainer) && d + 1 < MAX_DEPTH && toward.size < MAX_VISITED) {
        toward.set(retainer, edge);
        depth.set(retainer, d + 1);
        queue.push(retainer);
      }
    });
    for (const [holder, edge] of found) {
      const path = joined(graph, holder, edge, node, toward);
      if (path !== undefined) yield path;
    }
  }
}

/** The shortest path to `holder`, then `edge` to `node`, then back to the target; undefined when it would loop. */
function joined(graph: HeapGraph, holder: number, edge: number, node: number, toward: ReadonlyMap<number, number>): HolderPath | undefined {
  const tail = [edge];
  const onTail = new Set([node]);
  for (let n = node, e = toward.get(n)!; e >= 0; n = graph.edgeTo(e), e = toward.get(n)!) {
    tail.push(e);
    onTail.add(graph.edgeTo(e));
  }
  const head = graph.pathTo(holder);
  if (head === undefined || onTail.has(holder) || head.some((e) => onTail.has(graph.edgeTo(e)))) return undefined;
  return { edges: [...head, ...tail], holder: head.length };
}
