/**
 * Dominators and retained sizes over a heap snapshot graph (Cooper, Harvey & Kennedy's iterative
 * algorithm on a depth-first postorder, weak edges ignored): an object's retained size is what
 * would be freed if it went away. Typed arrays only; works on snapshot data, never live objects.
 */
import { HeapGraph } from './graph';

export interface Dominators {
  /** Immediate dominator of each node (the root dominates itself; unreachable nodes: -1). */
  idom: Int32Array;
  /** Bytes each node keeps alive (its own size included). */
  retainedSize: Float64Array;
  /** Objects each node keeps alive (itself included). */
  retainedCount: Uint32Array;
}

const ROOT = 0;

export function computeDominators(graph: HeapGraph): Dominators {
  const n = graph.nodeCount;
  // Iterative depth-first search from the root for a postorder numbering.
  const postorder = new Int32Array(n).fill(-1);
  const order = new Uint32Array(n);
  const stackNode = new Uint32Array(n);
  const stackEdge = new Uint32Array(n);
  const onStack = new Uint8Array(n);
  let count = 0;
  let depth = 0;
  stackNode[0] = ROOT;
  stackEdge[0] = graph.firstEdge[ROOT]!;
  onStack[ROOT] = 1;
  while (depth >= 0) {
    const node = stackNode[depth]!;
    const end = graph.firstEdge[node + 1]!;
    let e = stackEdge[depth]!;
    let descended = false;
    for (; e < end; e++) {
      if (graph.edgeType(e) === graph.edgeWeak) continue;
      const to = graph.edgeTo(e);
      if (onStack[to] === 0) {
        onStack[to] = 1;
        stackEdge[depth] = e + 1;
        depth++;
        stackNode[depth] = to;
        stackEdge[depth] = graph.firstEdge[to]!;
        descended = true;
        break;
      }
    }
    if (!descended) {
      postorder[node] = count;
      order[count++] = node;
      depth--;
    }
  }
  const idom = new Int32Array(n).fill(-1);
  idom[ROOT] = ROOT;
  const intersect = (a: number, b: number): number => {
    let x = a;
    let y = b;
    while (x !== y) {
      while (postorder[x]! < postorder[y]!) x = idom[x]!;
      while (postorder[y]! < postorder[x]!) y = idom[y]!;
    }
    return x;
  };
  let changed = true;
  while (changed) {
    changed = false;
    // Reverse postorder, root excluded.
    for (let i = count - 2; i >= 0; i--) {
      const node = order[i]!;
      let newIdom = -1;
      graph.forEachRetainer(node, (retainer, edge) => {
        if (graph.edgeType(edge) === graph.edgeWeak || postorder[retainer]! < 0 || idom[retainer]! < 0) return;
        newIdom = newIdom < 0 ? retainer : intersect(retainer, newIdom);
      });
      if (newIdom >= 0 && idom[node] !== newIdom) {
        idom[node] = newIdom;
        changed = true;
      }
    }
  }
  const retainedSize = new Float64Array(n);
  const retainedCount = new Uint32Array(n);
  for (let i = 0; i < count; i++) {
    const node = order[i]!;
    retainedSize[node]! += graph.selfSize(node);
    retainedCount[node]! += 1;
    if (node !== ROOT) {
      const parent = idom[node]!;
      retainedSize[parent]! += retainedSize[node]!;
      retainedCount[parent]! += retainedCount[node]!;
    }
  }
  return { idom, retainedSize, retainedCount };
}

/**
 * What a set of objects keeps alive together: the retained sizes of those not dominated by another
 * member of the set, added up (so nothing is counted twice).
 */
export function retainedBySet(dominators: Dominators, nodes: readonly number[]): { bytes: number; objects: number } {
  const members = new Set(nodes);
  let bytes = 0;
  let objects = 0;
  for (const node of members) {
    let up = dominators.idom[node]!;
    let covered = false;
    while (up > ROOT) {
      if (members.has(up)) {
        covered = true;
        break;
      }
      up = dominators.idom[up]!;
    }
    if (!covered && dominators.idom[node]! >= 0) {
      bytes += dominators.retainedSize[node]!;
      objects += dominators.retainedCount[node]!;
    }
  }
  return { bytes, objects };
}
