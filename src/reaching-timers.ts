/**
 * Pending timeouts that reach the objects of a shown retainer path by another way than the path. A
 * cache that purges its entries with timers (lru-cache's `ttlAutopurge`, one timeout per entry) holds
 * each entry through the user's variable, which lets go of nothing by itself, while a timeout due
 * soon reaches the cache: when it fires, its callback may let the entry go. Which path is the
 * shortest depends on the runner (Jest's module scope, Vitest's), so the check must not depend on it:
 * a bounded breadth-first search backwards from the path's objects finds the Timeout objects in
 * Node's timer lists that reach them, nearest first. Reads snapshot data only, and never searches more than its
 * bounds, whatever the heap's size.
 */
import { keepsAlive } from './holder-paths';
import { isTimeout, isTimerListEdge } from './holders';
import type { HeapGraph } from './snapshot/graph';

/** How far from the object a timeout may be, in edges (timeout → callback → context → cache → list → entry is 5). */
const MAX_DEPTH = 8;
/** At most this many objects are visited backwards from the object... */
const MAX_VISITED = 5_000;
/** ...and at most this many retainer edges read. */
const MAX_RETAINER_EDGES = 50_000;
/** Timeouts returned at most. */
const MAX_FOUND = 16;

/** Whether a Timeout node is in one of Node's timer lists (pending), from its retainers. */
function isPending(graph: HeapGraph, timeout: number): boolean {
  let pending = false;
  graph.forEachRetainer(timeout, (retainer, edge) => {
    pending ||= isTimerListEdge(graph, retainer, edge);
  });
  return pending;
}

/**
 * The pending Timeout nodes that reach the objects on a shown path between its holder and its end
 * (`between`: the objects whose references make up the path, e.g. the cache and its entry list),
 * nearest first, at most MAX_FOUND. Only a callback that reaches one of them can break the path and
 * let the end go; one that reaches the end by another way (a keep-alive socket's timeout reaching the
 * request a module array holds) cannot. Never searched through `exclude` (the path's end, and the
 * object whose reference starts the path, e.g. the scope of the user's module variable: a timer whose
 * callback closes over that scope keeps the variable, not a way to let the object go).
 */
export function timeoutsReaching(graph: HeapGraph, between: readonly number[], exclude: readonly number[]): number[] {
  const seen = new Set<number>([...exclude, ...between]);
  const depth = new Map<number, number>(between.map((node) => [node, 0]));
  const queue = [...between];
  const found: number[] = [];
  let read = 0;
  for (let head = 0; head < queue.length && read < MAX_RETAINER_EDGES && found.length < MAX_FOUND; head++) {
    const node = queue[head]!;
    const d = depth.get(node)!;
    graph.forEachRetainer(node, (retainer, edge) => {
      read++;
      if (seen.has(retainer) || !keepsAlive(graph, retainer, edge)) return;
      seen.add(retainer);
      if (isTimeout(graph, retainer)) {
        if (found.length < MAX_FOUND && isPending(graph, retainer)) found.push(retainer);
        return;
      }
      if (d + 1 < MAX_DEPTH && seen.size < MAX_VISITED) {
        depth.set(retainer, d + 1);
        queue.push(retainer);
      }
    });
  }
  return found;
}
