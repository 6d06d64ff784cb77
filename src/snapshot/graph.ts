/**
 * A heap snapshot as a compact graph: node and edge accessors over the parser's typed arrays, edge
 * ranges per node, retainers (reverse edges, built on first use) and shortest retaining paths from
 * the GC roots (a breadth-first search that ignores weak edges and the links V8 keeps between
 * promises for a debugger, and prefers paths from global objects, like DevTools' distances).
 * Read-only; holds numbers and strings, never live objects.
 */
import { AllocationTraceTables, ParsedSnapshot } from './parser';

/** The table's id in V8's name for an ephemeron edge. */
const EPHEMERON_TABLE = / pair in WeakMap \(table @(\d+)\)$/;

export class HeapGraph {
  readonly nodeCount: number;
  readonly strings: string[];
  /** The allocation trace, when the snapshot was taken while allocations were tracked. */
  readonly trace: AllocationTraceTables | undefined;
  readonly #nodes: Uint32Array;
  readonly #edges: Uint32Array;
  readonly #nodeFieldCount: number;
  readonly #edgeFieldCount: number;
  readonly #nodeTypes: string[];
  readonly #edgeTypes: string[];
  readonly #typeOffset: number;
  readonly #nameOffset: number;
  readonly #idOffset: number;
  readonly #sizeOffset: number;
  readonly #edgeCountOffset: number;
  readonly #traceNodeOffset: number;
  readonly #edgeTypeOffset: number;
  readonly #edgeNameOffset: number;
  readonly #edgeToOffset: number;
  /** firstEdge[n]..firstEdge[n+1] are node n's edges (edge numbers, not array offsets). */
  readonly firstEdge: Uint32Array;
  readonly edgeWeak: number;
  readonly edgeElement: number;
  readonly edgeHidden: number;
  readonly edgeProperty: number;
  readonly edgeContext: number;
  readonly edgeInternal: number;
  readonly edgeShortcut: number;
  #retainerStart: Uint32Array | undefined;
  #retainerEdges: Uint32Array | undefined;
  #retainerNodes: Uint32Array | undefined;
  #parentEdge: Int32Array | undefined;
  #parentEdgeWithDebuggerLinks: Int32Array | undefined;
  #ephemeronTable: Uint32Array | undefined;
  /** Nodes paths may reach but never go on from (see `stopAt`). */
  #stopped: Uint8Array | undefined;
  /** String indexes of `<symbol>` (an edge name) and `Promise` (a node name); -1 when absent. */
  readonly #unnamedSymbol: number;
  readonly #promiseName: number;
  readonly #propertiesName: number;

  constructor(snapshot: ParsedSnapshot) {
    const { meta } = snapshot;
    this.nodeCount = snapshot.nodeCount;
    this.strings = snapshot.strings;
    this.#nodes = snapshot.nodes;
    this.#edges = snapshot.edges;
    this.#nodeFieldCount = meta.node_fields.length;
    this.#edgeFieldCount = meta.edge_fields.length;
    this.#nodeTypes = meta.node_types[0];
    this.#edgeTypes = meta.edge_types[0];
    this.#typeOffset = meta.node_fields.indexOf('type');
    this.#nameOffset = meta.node_fields.indexOf('name');
    this.#idOffset = meta.node_fields.indexOf('id');
    this.#sizeOffset = meta.node_fields.indexOf('self_size');
    this.#edgeCountOffset = meta.node_fields.indexOf('edge_count');
    this.#traceNodeOffset = meta.node_fields.indexOf('trace_node_id');
    this.trace = snapshot.trace;
    this.#edgeTypeOffset = meta.edge_fields.indexOf('type');
    this.#edgeNameOffset = meta.edge_fields.indexOf('name_or_index');
    this.#edgeToOffset = meta.edge_fields.indexOf('to_node');
    const edgeType = (name: string): number => this.#edgeTypes.indexOf(name);
    this.edgeWeak = edgeType('weak');
    this.edgeElement = edgeType('element');
    this.edgeHidden = edgeType('hidden');
    this.edgeProperty = edgeType('property');
    this.edgeContext = edgeType('context');
    this.edgeInternal = edgeType('internal');
    this.edgeShortcut = edgeType('shortcut');
    this.#unnamedSymbol = this.strings.indexOf('<symbol>');
    this.#promiseName = this.#unnamedSymbol < 0 ? -1 : this.strings.indexOf('Promise');
    this.#propertiesName = this.#unnamedSymbol < 0 ? -1 : this.strings.indexOf('properties');
    this.firstEdge = new Uint32Array(this.nodeCount + 1);
    let edge = 0;
    for (let n = 0; n < this.nodeCount; n++) {
      this.firstEdge[n] = edge;
      edge += this.#nodes[n * this.#nodeFieldCount + this.#edgeCountOffset]!;
    }
    this.firstEdge[this.nodeCount] = edge;
  }

  /** The node's allocation trace node id (0: allocated while allocations were not tracked). */
  traceNodeOf(n: number): number {
    return this.#traceNodeOffset < 0 || this.trace === undefined ? 0 : this.#nodes[n * this.#nodeFieldCount + this.#traceNodeOffset]!;
  }

  nodeType(n: number): string {
    return this.#nodeTypes[this.#nodes[n * this.#nodeFieldCount + this.#typeOffset]!] ?? 'unknown';
  }

  nodeTypeIndex(n: number): number {
    return this.#nodes[n * this.#nodeFieldCount + this.#typeOffset]!;
  }

  /** The node's name as an index into `strings` (to compare many nodes with a few names). */
  nodeNameIndex(n: number): number {
    return this.#nodes[n * this.#nodeFieldCount + this.#nameOffset]!;
  }

  nodeName(n: number): string {
    return this.strings[this.#nodes[n * this.#nodeFieldCount + this.#nameOffset]!] ?? '';
  }

  nodeId(n: number): number {
    return this.#nodes[n * this.#nodeFieldCount + this.#idOffset]!;
  }

  selfSize(n: number): number {
    return this.#nodes[n * this.#nodeFieldCount + this.#sizeOffset]!;
  }

  edgeType(e: number): number {
    return this.#edges[e * this.#edgeFieldCount + this.#edgeTypeOffset]!;
  }

  edgeTypeName(e: number): string {
    return this.#edgeTypes[this.edgeType(e)] ?? 'unknown';
  }

  /** The edge's name (property, context variable) or index (element, hidden), as written in the snapshot. */
  edgeName(e: number): string | number {
    const type = this.edgeType(e);
    const raw = this.#edges[e * this.#edgeFieldCount + this.#edgeNameOffset]!;
    return type === this.edgeElement || type === this.edgeHidden ? raw : (this.strings[raw] ?? '');
  }

  edgeTo(e: number): number {
    return this.#edges[e * this.#edgeFieldCount + this.#edgeToOffset]! / this.#nodeFieldCount;
  }

  /** Node index by snapshot object id (a linear scan; use for a handful of ids). */
  nodesById(ids: readonly number[]): Map<number, number> {
    const wanted = new Set(ids);
    const found = new Map<number, number>();
    for (let n = 0; n < this.nodeCount && found.size < wanted.size; n++) {
      const id = this.nodeId(n);
      if (wanted.has(id)) found.set(id, n);
    }
    return found;
  }

  #buildRetainers(): void {
    const counts = new Uint32Array(this.nodeCount + 1);
    const edgeTotal = this.firstEdge[this.nodeCount]!;
    for (let e = 0; e < edgeTotal; e++) counts[this.edgeTo(e)]!++;
    const start = new Uint32Array(this.nodeCount + 1);
    for (let n = 0; n < this.nodeCount; n++) start[n + 1] = start[n]! + counts[n]!;
    const fill = start.slice(0, this.nodeCount);
    const retainerEdges = new Uint32Array(edgeTotal);
    const retainerNodes = new Uint32Array(edgeTotal);
    for (let n = 0; n < this.nodeCount; n++) {
      for (let e = this.firstEdge[n]!; e < this.firstEdge[n + 1]!; e++) {
        const slot = fill[this.edgeTo(e)]!++;
        retainerEdges[slot] = e;
        retainerNodes[slot] = n;
      }
    }
    this.#retainerStart = start;
    this.#retainerEdges = retainerEdges;
    this.#retainerNodes = retainerNodes;
  }

  /** Calls `visit(retainerNode, edge)` for every edge pointing at node `n`. */
  forEachRetainer(n: number, visit: (retainer: number, edge: number) => void): void {
    if (this.#retainerStart === undefined) this.#buildRetainers();
    const start = this.#retainerStart!;
    for (let i = start[n]!; i < start[n + 1]!; i++) visit(this.#retainerNodes![i]!, this.#retainerEdges![i]!);
  }

  /**
   * By edge name (a string index): the id of the WeakMap table whose ephemeron edge it names (0 for
   * other names). V8 gives a WeakMap value two edges, from the table and from the key (`N / part of
   * key (K @k) -> value (V @v) pair in WeakMap (table @t)`); only the key's keeps the value alive.
   */
  #ephemeronTables(): Uint32Array {
    if (this.#ephemeronTable !== undefined) return this.#ephemeronTable;
    const tables = new Uint32Array(this.strings.length);
    this.strings.forEach((text, index) => {
      if (!text.includes(' pair in WeakMap (table @')) return;
      const match = EPHEMERON_TABLE.exec(text);
      if (match !== null) tables[index] = Number(match[1]);
    });
    this.#ephemeronTable = tables;
    return tables;
  }

  /**
   * Whether edge `e` of node `from` is a WeakMap table's edge to a value: it does not keep the value
   * alive (the key's edge does), so paths and retained sizes never use it.
   */
  isWeakMapTableEdge(from: number, e: number): boolean {
    if (this.edgeType(e) !== this.edgeInternal) return false;
    const table = this.#ephemeronTables()[this.#edges[e * this.#edgeFieldCount + this.#edgeNameOffset]!]!;
    return table !== 0 && this.nodeId(from) === table;
  }

  /**
   * Makes paths, retained sizes and reachability never go on from these nodes (they may still be
   * reached): the holders of a tool's own code, which keeps classes and functions it watches.
   * Call it before the first search.
   */
  stopAt(nodes: Iterable<number>): void {
    this.#stopped ??= new Uint8Array(this.nodeCount);
    for (const n of nodes) this.#stopped[n] = 1;
    this.#parentEdge = undefined;
    this.#parentEdgeWithDebuggerLinks = undefined;
  }

  /** Whether searches go on from node `n` (see `stopAt`). */
  #expands(n: number): boolean {
    return this.#stopped === undefined || this.#stopped[n] === 0;
  }

  /**
   * Whether edge `e` of node `from` is a link V8 adds between promises only while a debugger is
   * enabled (for predicting whether a rejection will be caught: an unnamed private symbol property
   * of a Promise): code that runs while trackref's constructor hook has the debugger enabled gets
   * them, and on Node 20 a long-lived pending promise then keeps what a later one awaited alive.
   * They are not the program's references: paths and retained sizes do not use them.
   */
  isDebuggerPromiseLink(from: number, e: number): boolean {
    if (this.#unnamedSymbol < 0 || this.nodeNameIndex(from) !== this.#promiseName) return false;
    const name = this.#edges[e * this.#edgeFieldCount + this.#edgeNameOffset];
    const type = this.edgeType(e);
    // The link itself, and the promise's property store, which holds it too (a promise's own
    // properties, the program's included, each have a named edge of their own as well).
    return (type === this.edgeProperty && name === this.#unnamedSymbol) || (type === this.edgeInternal && name === this.#propertiesName);
  }

  /**
   * For every node, the edge through which a shortest path from the roots reaches it (-1 for the
   * root and unreachable nodes). Weak edges are never used, nor a WeakMap table's edges to its values
   * (a value is reached through its key), nor the debugger's links between promises (unless
   * `withDebuggerLinks`: to tell an object only they hold from one nothing holds). Paths from global
   * objects are preferred, then paths from the other roots, and hidden edges (VM-internal slots such
   * as suspended function registers, which have no name to show) only for objects no other path reaches.
   */
  parentEdges(withDebuggerLinks = false): Int32Array {
    const cached = withDebuggerLinks ? this.#parentEdgeWithDebuggerLinks : this.#parentEdge;
    if (cached !== undefined) return cached;
    const parent = new Int32Array(this.nodeCount).fill(-1);
    const visited = new Uint8Array(this.nodeCount);
    const queue = new Uint32Array(this.nodeCount);
    let head = 0;
    let tail = 0;
    const root = 0;
    visited[root] = 1;
    const search = (allowHidden: boolean): void => {
      while (head < tail) {
        const n = queue[head++]!;
        if (!this.#expands(n)) continue;
        for (let e = this.firstEdge[n]!; e < this.firstEdge[n + 1]!; e++) {
          const type = this.edgeType(e);
          if (type === this.edgeWeak || (!allowHidden && type === this.edgeHidden)) continue;
          const to = this.edgeTo(e);
          // The WeakMap and debugger checks last: most edges lead to nodes already reached.
          if (
            visited[to] === 0 &&
            !(type === this.edgeInternal && this.isWeakMapTableEdge(n, e)) &&
            (withDebuggerLinks || !this.isDebuggerPromiseLink(n, e))
          ) {
            visited[to] = 1;
            parent[to] = e;
            queue[tail++] = to;
          }
        }
      }
    };
    // First the user roots (global objects, reached from the root by shortcut edges)...
    for (let e = this.firstEdge[root]!; e < this.firstEdge[root + 1]!; e++) {
      const to = this.edgeTo(e);
      if (this.edgeType(e) === this.edgeShortcut && visited[to] === 0) {
        visited[to] = 1;
        parent[to] = e;
        queue[tail++] = to;
      }
    }
    search(false);
    // ...then everything else the root holds...
    queue[tail++] = root;
    search(false);
    // ...and last, what only hidden edges reach: expand every visited node again, hidden edges allowed.
    const reached = tail;
    const order = queue.slice(0, reached);
    head = 0;
    tail = 0;
    for (let i = 0; i < reached; i++) queue[tail++] = order[i]!;
    search(true);
    if (withDebuggerLinks) this.#parentEdgeWithDebuggerLinks = parent;
    else this.#parentEdge = parent;
    return parent;
  }

  /** The node an edge comes from: the last node whose edge range starts at or before it. */
  edgeFrom(e: number): number {
    let lo = 0;
    let hi = this.nodeCount - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.firstEdge[mid]! <= e) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /**
   * What `n` keeps alive: the objects (itself included) that no path from the roots reaches once
   * `n` is removed — one breadth-first search, the same result as `n`'s dominator subtree.
   */
  retainedBy(n: number): { bytes: number; objects: number } {
    const parent = this.parentEdges();
    const reached = this.#reachedAvoiding(n);
    let bytes = this.selfSize(n);
    let objects = 1;
    for (let node = 1; node < this.nodeCount; node++) {
      if (reached[node] === 0 && parent[node]! >= 0) {
        bytes += this.selfSize(node);
        objects++;
      }
    }
    return { bytes, objects };
  }

  /**
   * Whether `from` reaches `target` through at most `depth` strong references (a bounded search, at
   * most `maxNodes` objects visited): e.g. whether an object holds the emitter whose listener holds it.
   */
  reachesWithin(from: number, target: number, depth: number, maxNodes = 256): boolean {
    let level = [from];
    const seen = new Set<number>(level);
    for (let d = 0; d < depth && level.length > 0; d++) {
      const next: number[] = [];
      for (const node of level) {
        for (let e = this.firstEdge[node]!; e < this.firstEdge[node + 1]!; e++) {
          if (this.edgeType(e) === this.edgeWeak) continue;
          const to = this.edgeTo(e);
          if (to === target) return true;
          if (seen.has(to) || seen.size >= maxNodes) continue;
          seen.add(to);
          next.push(to);
        }
      }
      level = next;
    }
    return false;
  }

  /**
   * Whether a path from the roots reaches `target` without going through `avoid` (when not, `avoid`
   * alone keeps it alive: it is in `avoid`'s retained set). Same edges as retainedBy; stops once found.
   */
  reachesAvoiding(target: number, avoid: number): boolean {
    return target !== avoid && this.#reachedAvoiding(avoid, target) === true;
  }

  /**
   * The nodes a breadth-first search from the root reaches without entering `avoid` (which is marked
   * reached: never entered), over the edges that keep objects alive; `true` as soon as it reaches
   * `target`, when given.
   */
  #reachedAvoiding(avoid: number): Uint8Array;
  #reachedAvoiding(avoid: number, target: number): Uint8Array | true;
  #reachedAvoiding(avoid: number, target?: number): Uint8Array | true {
    const reached = new Uint8Array(this.nodeCount);
    const queue = new Uint32Array(this.nodeCount);
    let head = 0;
    let tail = 0;
    reached[0] = 1;
    reached[avoid] = 1;
    queue[tail++] = 0;
    while (head < tail) {
      const node = queue[head++]!;
      if (!this.#expands(node)) continue;
      for (let e = this.firstEdge[node]!; e < this.firstEdge[node + 1]!; e++) {
        if (this.edgeType(e) === this.edgeWeak) continue;
        const to = this.edgeTo(e);
        if (reached[to] === 0 && !this.isWeakMapTableEdge(node, e) && !this.isDebuggerPromiseLink(node, e)) {
          if (to === target) return true;
          reached[to] = 1;
          queue[tail++] = to;
        }
      }
    }
    return reached;
  }

  /**
   * The shortest retaining path to `n`: edges from the root side to `n`, or undefined if unreachable
   * (`withDebuggerLinks`: see parentEdges).
   */
  pathTo(n: number, withDebuggerLinks = false): number[] | undefined {
    const parent = this.parentEdges(withDebuggerLinks);
    const path: number[] = [];
    let node = n;
    while (node !== 0) {
      const e = parent[node]!;
      if (e < 0) return undefined;
      path.push(e);
      node = this.edgeFrom(e);
      if (path.length > 10_000) return undefined;
    }
    return path.reverse();
  }
}
