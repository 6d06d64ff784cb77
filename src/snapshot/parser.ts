/**
 * A streaming parser for V8 heap snapshots (.heapsnapshot JSON). Fed chunk by chunk (as the
 * inspector's HeapProfiler.addHeapSnapshotChunk delivers them), it fills typed arrays for nodes
 * and edges and a string table, and never holds the snapshot as one string (V8 strings stop at
 * ~512 MB; snapshots can be larger). The allocation trace (`trace_function_infos`, `trace_tree`:
 * present when allocation tracking was on) is kept as flat tables; sections it has no use for
 * (samples, locations) are skipped without being stored.
 */
import { TrackrefError } from '../errors';

export interface SnapshotMeta {
  node_fields: string[];
  node_types: [string[], ...unknown[]];
  edge_fields: string[];
  edge_types: [string[], ...unknown[]];
}

export interface ParsedSnapshot {
  meta: SnapshotMeta;
  nodeCount: number;
  edgeCount: number;
  /** node_fields.length numbers per node. */
  nodes: Uint32Array;
  /** edge_fields.length numbers per edge. */
  edges: Uint32Array;
  strings: string[];
  /** The allocation trace, when the snapshot was taken while allocations were tracked. */
  trace?: AllocationTraceTables;
}

/**
 * The allocation trace of a snapshot: `trace_function_infos` (trace_function_info_fields numbers per
 * function: function_id, name, script_name, script_id, line, column, positions 1-based, 0 unknown) and
 * the `trace_tree` flattened: for trace node id `t`, `functionOf[t]` is its function info index and
 * `parentOf[t]` its caller's trace node id (0 at the root). Nodes carry their trace node id.
 */
export interface AllocationTraceTables {
  functionInfoFields: string[];
  functionInfos: number[];
  functionOf: number[];
  parentOf: number[];
}

const enum Phase {
  Header,
  Section,
  Numbers,
  Skip,
  Strings,
  /** A numeric section of unknown length, kept (trace_function_infos). */
  List,
  /** The nested trace_tree. */
  Tree,
  Done,
}

const CHAR_0 = 48;
const CHAR_9 = 57;
const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const COLON = 58;
const BEYOND_LATIN1 = /[^\x00-\xff]/;
const BEYOND_LATIN1_ALL = /[^\x00-\xff]/g;

export class SnapshotParser {
  #phase = Phase.Header;
  #pending = '';
  #meta: SnapshotMeta | undefined;
  #nodeCount = 0;
  #edgeCount = 0;
  #nodes = new Uint32Array(0);
  #edges = new Uint32Array(0);
  #strings: string[] = [];
  /** The numeric array being filled and the write position in it. */
  #target = new Uint32Array(0);
  #index = 0;
  #number = 0;
  #inNumber = false;
  #skipDepth = 0;
  #sectionsSeen = new Set<string>();
  #functionInfos: number[] = [];
  #functionOf: number[] = [];
  #parentOf: number[] = [];
  /** The trace tree being read: per open children list, its parent's id and the field reached in the current node. */
  #treeParents: number[] = [];
  #treeField = 0;
  #treeId = 0;

  /** Feeds snapshot text (as the inspector delivers it). */
  write(chunk: string): void {
    // V8 writes snapshots in ASCII (other characters \u-escaped). Should a character beyond latin1
    // appear anyway, it is escaped the same way (it can only be inside a string), to survive as bytes.
    const text = BEYOND_LATIN1.test(chunk) ? chunk.replace(BEYOND_LATIN1_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : chunk;
    this.writeBytes(Buffer.from(text, 'latin1'));
  }

  /**
   * Feeds snapshot bytes (as V8 writes a snapshot file: ASCII, other characters \u-escaped). The
   * numbers of the nodes and edges, most of a snapshot, are read straight from the bytes; the
   * header, section names and strings are decoded to text.
   */
  writeBytes(bytes: Buffer): void {
    let pos = 0;
    while (pos < bytes.length && this.#phase !== Phase.Done) {
      if (this.#phase === Phase.Numbers) pos = this.#readNumbers(bytes, pos);
      else if (this.#phase === Phase.List || this.#phase === Phase.Tree) pos = this.#readTrace(bytes, pos);
      else if (this.#phase === Phase.Skip) pos = this.#skip(bytes, pos);
      else pos += this.#writeText(bytes.toString('latin1', pos));
    }
  }

  /**
   * Reads the header, section starts and strings from `chunk` (after any text kept from before)
   * until the numbers of a section begin; returns how much of `chunk` it used.
   */
  #writeText(chunk: string): number {
    const kept = this.#pending.length;
    let text = this.#pending + chunk;
    this.#pending = '';
    let pos = 0;
    while (pos < text.length) {
      switch (this.#phase) {
        case Phase.Header: {
          const at = text.indexOf('"nodes"');
          if (at < 0) {
            this.#pending = text;
            return chunk.length;
          }
          this.#readHeader(text.slice(0, at));
          text = text.slice(at);
          pos = 0;
          this.#phase = Phase.Section;
          // The header came from both parts: what is left of the text is all the chunk's.
          return chunk.length - text.length + this.#writeText(text);
        }
        case Phase.Section: {
          const next = this.#readSectionStart(text, pos);
          if (next < 0) {
            this.#pending = text.slice(pos);
            return chunk.length;
          }
          pos = next;
          break;
        }
        case Phase.Strings: {
          const next = this.#readStrings(text, pos);
          if (next < 0) return chunk.length;
          pos = next;
          break;
        }
        default:
          // Numbers or a skipped section begin here (never inside the kept text: it lacked the `[`).
          return pos - kept;
      }
    }
    return chunk.length;
  }

  end(): ParsedSnapshot {
    if (this.#phase !== Phase.Done || this.#meta === undefined) {
      throw new TrackrefError('The heap snapshot ended early or is not a V8 heap snapshot.');
    }
    for (const section of ['nodes', 'edges', 'strings']) {
      if (!this.#sectionsSeen.has(section)) throw new TrackrefError(`The heap snapshot has no ${section} section.`);
    }
    return {
      meta: this.#meta,
      nodeCount: this.#nodeCount,
      edgeCount: this.#edgeCount,
      nodes: this.#nodes,
      edges: this.#edges,
      strings: this.#strings,
      ...(this.#functionOf.length > 1 ? { trace: this.#trace() } : {}),
    };
  }

  #trace(): AllocationTraceTables {
    const fields = (this.#meta as SnapshotMeta & { trace_function_info_fields?: string[] }).trace_function_info_fields;
    return {
      functionInfoFields: fields ?? ['function_id', 'name', 'script_name', 'script_id', 'line', 'column'],
      functionInfos: this.#functionInfos,
      functionOf: this.#functionOf,
      parentOf: this.#parentOf,
    };
  }

  #readHeader(text: string): void {
    const start = text.indexOf('{');
    const end = text.lastIndexOf(',');
    let header: { snapshot: { meta: SnapshotMeta; node_count: number; edge_count: number } };
    try {
      header = JSON.parse(`${text.slice(start, end)}}`) as typeof header;
    } catch {
      throw new TrackrefError('The heap snapshot header is not valid JSON.');
    }
    const { meta, node_count: nodeCount, edge_count: edgeCount } = header.snapshot;
    this.#meta = meta;
    this.#nodeCount = nodeCount;
    this.#edgeCount = edgeCount;
    this.#nodes = new Uint32Array(nodeCount * meta.node_fields.length);
    this.#edges = new Uint32Array(edgeCount * meta.edge_fields.length);
  }

  /** Reads `"name":[` (after an optional comma) and switches phase; -1 when more text is needed. */
  #readSectionStart(text: string, pos: number): number {
    const quote = text.indexOf('"', pos);
    if (quote < 0) {
      if (text.indexOf('}', pos) >= 0) {
        this.#phase = Phase.Done;
        return text.length;
      }
      return -1;
    }
    const close = text.indexOf('"', quote + 1);
    const bracket = close < 0 ? -1 : text.indexOf('[', close);
    if (bracket < 0) return -1;
    const name = text.slice(quote + 1, close);
    this.#sectionsSeen.add(name);
    this.#index = 0;
    this.#inNumber = false;
    if (name === 'nodes' || name === 'edges') {
      this.#target = name === 'nodes' ? this.#nodes : this.#edges;
      this.#phase = Phase.Numbers;
    } else if (name === 'strings') {
      this.#phase = Phase.Strings;
    } else if (name === 'trace_function_infos') {
      this.#phase = Phase.List;
    } else if (name === 'trace_tree') {
      this.#treeParents = [0];
      this.#treeField = 0;
      this.#phase = Phase.Tree;
    } else {
      this.#skipDepth = 1;
      this.#phase = Phase.Skip;
    }
    return bracket + 1;
  }

  #readNumbers(bytes: Buffer, pos: number): number {
    const target = this.#target;
    let index = this.#index;
    let number = this.#number;
    let inNumber = this.#inNumber;
    const length = bytes.length;
    for (; pos < length; pos++) {
      const c = bytes[pos]!;
      if (c >= CHAR_0 && c <= CHAR_9) {
        number = number * 10 + (c - CHAR_0);
        inNumber = true;
      } else {
        if (inNumber) {
          target[index++] = number;
          number = 0;
          inNumber = false;
        }
        if (c === CLOSE_BRACKET) {
          this.#index = index;
          this.#number = 0;
          this.#inNumber = false;
          if (index !== target.length) {
            throw new TrackrefError(`The heap snapshot's ${target === this.#nodes ? 'nodes' : 'edges'} section has ${index} numbers, expected ${target.length}.`);
          }
          this.#phase = Phase.Section;
          return pos + 1;
        }
      }
    }
    this.#index = index;
    this.#number = number;
    this.#inNumber = inNumber;
    return pos;
  }

  /**
   * Reads an allocation trace section (small, unlike nodes and edges): `trace_function_infos`, a flat
   * list kept as it is, or the nested `trace_tree` (see #treeNumber). Ends after the `]` closing it.
   */
  #readTrace(bytes: Buffer, pos: number): number {
    const tree = this.#phase === Phase.Tree;
    let number = this.#number;
    let inNumber = this.#inNumber;
    for (; pos < bytes.length; pos++) {
      const c = bytes[pos]!;
      if (c >= CHAR_0 && c <= CHAR_9) {
        number = number * 10 + (c - CHAR_0);
        inNumber = true;
        continue;
      }
      if (inNumber) {
        if (tree) this.#treeNumber(number);
        else this.#functionInfos.push(number);
        number = 0;
        inNumber = false;
      }
      if (c === QUOTE) throw new TrackrefError('Unexpected text inside the allocation trace of the heap snapshot.');
      if (c === OPEN_BRACKET && tree) {
        // The current node's children: their parent is that node.
        this.#treeParents.push(this.#treeId);
        this.#treeField = 0;
      } else if (c === CLOSE_BRACKET) {
        // Back in the parent's sibling list, where the next number starts a new node.
        this.#treeField = 0;
        if (tree) this.#treeParents.pop();
        if (!tree || this.#treeParents.length === 0) {
          this.#number = 0;
          this.#inNumber = false;
          this.#phase = Phase.Section;
          return pos + 1;
        }
      }
    }
    this.#number = number;
    this.#inNumber = inNumber;
    return pos;
  }

  /** A number of the trace tree, whose nodes are `id, function_info_index, count, size, [children]`. */
  #treeNumber(number: number): void {
    if (this.#treeField === 0) this.#treeId = number;
    else if (this.#treeField === 1) {
      this.#functionOf[this.#treeId] = number;
      this.#parentOf[this.#treeId] = this.#treeParents[this.#treeParents.length - 1]!;
    }
    this.#treeField++;
  }

  #skip(bytes: Buffer, pos: number): number {
    let depth = this.#skipDepth;
    for (; pos < bytes.length; pos++) {
      const c = bytes[pos]!;
      if (c === OPEN_BRACKET || c === OPEN_BRACE) depth++;
      else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) {
        depth--;
        if (depth === 0) {
          this.#phase = Phase.Section;
          return pos + 1;
        }
      } else if (c === QUOTE || c === COLON) {
        // Skipped sections hold numbers only; anything else means the layout changed.
        if (c === QUOTE) throw new TrackrefError('Unexpected text inside a numeric section of the heap snapshot.');
      }
    }
    this.#skipDepth = depth;
    return pos;
  }

  /** Reads string literals until `]`; -1 (keeping the unread rest) when a literal is cut. */
  #readStrings(text: string, pos: number): number {
    const strings = this.#strings;
    const length = text.length;
    while (pos < length) {
      const c = text.charCodeAt(pos);
      if (c === QUOTE) {
        let end = pos + 1;
        let escaped = false;
        for (;;) {
          end = text.indexOf('"', end);
          if (end < 0) {
            this.#pending = text.slice(pos);
            return -1;
          }
          // Count the backslashes before the quote: an odd number escapes it.
          let slashes = 0;
          for (let k = end - 1; text.charCodeAt(k) === BACKSLASH; k--) slashes++;
          if (slashes % 2 === 0) break;
          escaped = true;
          end++;
        }
        const raw = text.slice(pos + 1, end);
        strings.push(escaped || raw.indexOf('\\') >= 0 ? (JSON.parse(`"${raw}"`) as string) : raw);
        pos = end + 1;
      } else if (c === CLOSE_BRACKET) {
        this.#phase = Phase.Section;
        return pos + 1;
      } else {
        pos++;
      }
    }
    return pos;
  }
}
