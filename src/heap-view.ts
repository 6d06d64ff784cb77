/**
 * `heap()`: a Guppy-like view of the whole heap (one snapshot, streamed and parsed in-process).
 * A `HeapSet` is a set of heap objects; `.bytype` partitions it by kind (class name, or V8 kind
 * such as `(string)`), `.byvia` by the reference it is held through (`.referer`, `[0]`,
 * `scheduler`), both printable as aligned tables like Guppy's; `diff()` shows what grew between
 * two views. Views hold snapshot data (numbers and strings), never live objects.
 */
import { inspect } from 'node:util';
import { HeapGraph } from './snapshot/graph';
import { takeSnapshot } from './snapshot/take';

/** The kind an object is grouped under: its class name, or a V8 kind in parentheses. */
function kindOf(graph: HeapGraph, node: number): string {
  const type = graph.nodeType(node);
  switch (type) {
    case 'object':
    case 'native': {
      const name = graph.nodeName(node);
      // V8 names its own objects "system / Kind"; user objects by class ("Object / …" for plain ones).
      if (name.startsWith('system / ')) return '(system)';
      return name.split(' / ')[0] || 'Object';
    }
    case 'string':
    case 'concatenated string':
    case 'sliced string':
      return '(string)';
    case 'closure':
      return '(closure)';
    case 'code':
      return '(compiled code)';
    case 'array':
      return '(internal array)';
    case 'hidden':
    case 'object shape':
      return '(system)';
    default:
      return `(${type})`;
  }
}

/** The reference a node is held through on its shortest path from the roots, as in a path. */
function viaOf(graph: HeapGraph, node: number): string {
  const edge = graph.parentEdges()[node]!;
  if (edge < 0) return '(root)';
  const type = graph.edgeType(edge);
  const name = graph.edgeName(edge);
  if (type === graph.edgeElement) return '[index]';
  if (type === graph.edgeProperty) return /^[A-Za-z_$][\w$]*$/.test(String(name)) ? `.${String(name)}` : `[${JSON.stringify(name)}]`;
  if (type === graph.edgeContext) return `${String(name)} (variable)`;
  if (type === graph.edgeShortcut) return '(global)';
  return `(${graph.edgeTypeName(edge)} ${String(name)})`;
}

function group(graph: HeapGraph, nodes: Uint32Array, key: (node: number) => string, label: string): HeapPartition {
  const groups = new Map<string, number[]>();
  for (const node of nodes) {
    const k = key(node);
    const list = groups.get(k);
    if (list === undefined) groups.set(k, [node]);
    else list.push(node);
  }
  const sets = [...groups].map(([kind, list]) => new HeapSet(graph, Uint32Array.from(list), kind));
  sets.sort((a, b) => b.size - a.size || b.count - a.count);
  return new HeapPartition(sets, label);
}

const number = (n: number): string => n.toLocaleString('en-US');

/** A set of heap objects from one snapshot. */
export class HeapSet {
  readonly count: number;
  readonly size: number;

  constructor(
    readonly graph: HeapGraph,
    readonly nodes: Uint32Array,
    /** What the set is (a kind or via), for tables. */
    readonly label = 'heap',
  ) {
    this.count = nodes.length;
    let size = 0;
    for (const node of nodes) size += graph.selfSize(node);
    this.size = size;
  }

  /** The set partitioned by kind: class name, or V8 kind like `(string)`. */
  get bytype(): HeapPartition {
    return group(this.graph, this.nodes, (node) => kindOf(this.graph, node), 'Kind (class / V8 kind)');
  }

  /** The set partitioned by the reference each object is held through. */
  get byvia(): HeapPartition {
    return group(this.graph, this.nodes, (node) => viaOf(this.graph, node), 'Referred via');
  }

  /** What grew from `earlier` to this set, by kind (count and size deltas, largest growth first). */
  diff(earlier: HeapSet): HeapDiff {
    return new HeapDiff(earlier.bytype, this.bytype);
  }

  toString(): string {
    return this.bytype.toString();
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** A partition of a heap set into rows, indexable like Guppy's (`heap().bytype[0].byvia`). */
export class HeapPartition {
  [index: number]: HeapSet;
  readonly count: number;
  readonly size: number;

  constructor(
    readonly rows: HeapSet[],
    readonly label: string,
  ) {
    rows.forEach((row, i) => {
      this[i] = row;
    });
    this.count = rows.reduce((sum, row) => sum + row.count, 0);
    this.size = rows.reduce((sum, row) => sum + row.size, 0);
  }

  get length(): number {
    return this.rows.length;
  }

  /** The table, like Guppy's: index, count, %, size, %, cumulative size, %, kind. */
  format(limit = 20): string {
    const lines = [`Partition of a set of ${number(this.count)} objects. Total size = ${number(this.size)} bytes.`];
    const header = ['Index', 'Count', '%', 'Size', '%', 'Cumulative', '%', this.label];
    const cells: string[][] = [];
    let cumulative = 0;
    const pct = (part: number, whole: number): string => String(whole === 0 ? 0 : Math.round((part / whole) * 100));
    this.rows.slice(0, limit).forEach((row, i) => {
      cumulative += row.size;
      cells.push([String(i), number(row.count), pct(row.count, this.count), number(row.size), pct(row.size, this.size), number(cumulative), pct(cumulative, this.size), row.label]);
    });
    const widths = header.map((h, col) => Math.max(h.length, ...cells.map((c) => c[col]!.length)));
    const line = (c: string[]): string => c.map((cell, col) => (col === c.length - 1 ? cell : cell.padStart(widths[col]!))).join(' ');
    lines.push(line(header), ...cells.map(line));
    if (this.rows.length > limit) lines.push(`<${this.rows.length - limit} more rows. Type e.g. '_.format(${this.rows.length})' to view all.>`);
    return lines.join('\n');
  }

  toString(): string {
    return this.format();
  }

  [inspect.custom](): string {
    return this.format();
  }
}

export interface HeapDiffRow {
  kind: string;
  countBefore: number;
  countAfter: number;
  sizeBefore: number;
  sizeAfter: number;
}

/** What grew between two partitions by kind. */
export class HeapDiff {
  readonly rows: HeapDiffRow[];

  constructor(before: HeapPartition, after: HeapPartition) {
    const rows = new Map<string, HeapDiffRow>();
    const row = (kind: string): HeapDiffRow => {
      let r = rows.get(kind);
      if (r === undefined) {
        r = { kind, countBefore: 0, countAfter: 0, sizeBefore: 0, sizeAfter: 0 };
        rows.set(kind, r);
      }
      return r;
    };
    for (const set of before.rows) Object.assign(row(set.label), { countBefore: set.count, sizeBefore: set.size });
    for (const set of after.rows) Object.assign(row(set.label), { countAfter: set.count, sizeAfter: set.size });
    this.rows = [...rows.values()]
      .filter((r) => r.countAfter !== r.countBefore || r.sizeAfter !== r.sizeBefore)
      .sort((a, b) => b.sizeAfter - b.sizeBefore - (a.sizeAfter - a.sizeBefore));
  }

  format(limit = 20): string {
    const signed = (n: number): string => (n > 0 ? `+${number(n)}` : number(n));
    const header = ['Count', 'Δ count', 'Size', 'Δ size', 'Kind (class / V8 kind)'];
    const cells = this.rows.slice(0, limit).map((r) => [number(r.countAfter), signed(r.countAfter - r.countBefore), number(r.sizeAfter), signed(r.sizeAfter - r.sizeBefore), r.kind]);
    const widths = header.map((h, col) => Math.max(h.length, ...cells.map((c) => c[col]!.length)));
    const line = (c: string[]): string => c.map((cell, col) => (col === c.length - 1 ? cell : cell.padStart(widths[col]!))).join(' ');
    const growth = this.rows.reduce((sum, r) => sum + r.sizeAfter - r.sizeBefore, 0);
    return [`Heap difference: ${signed(growth)} bytes in ${number(this.rows.length)} kinds that changed (largest growth first).`, line(header), ...cells.map(line)].join('\n');
  }

  toString(): string {
    return this.format();
  }

  [inspect.custom](): string {
    return this.format();
  }
}

/**
 * A view of the whole heap (every object reachable from the GC roots). Takes a heap snapshot:
 * costs about as much as `v8.writeHeapSnapshot()` and holds the parsed snapshot while the view lives.
 */
export function heap(): HeapSet {
  const graph = takeSnapshot();
  const parents = graph.parentEdges();
  const reachable: number[] = [];
  for (let node = 1; node < graph.nodeCount; node++) {
    if (parents[node]! >= 0 && graph.nodeType(node) !== 'synthetic') reachable.push(node);
  }
  return new HeapSet(graph, Uint32Array.from(reachable), 'heap');
}
