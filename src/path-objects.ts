/**
 * The live objects behind the nodes of retainer paths, found with as few heap walks as possible. V8
 * finds an object by heap snapshot id only by walking the whole heap (a second or more on a large
 * heap), so one object early in a run of property and element steps is looked up by id and the rest
 * are reached from it by reading the very property or element the snapshot's edge names. Paths of
 * one report share those lookups (e.g. three leaked responses held through `cache[…]` need one).
 * Before any walk, the object is looked for among objects the caller already knows (the check's
 * births and baseline), whose heap ids V8 gives without a walk.
 *
 * Reads own data properties only: never runs a getter, a setter or a proxy trap. The caller must
 * take the snapshot and follow its paths in the same synchronous job, so that no code can change a
 * property in between. Returns the objects for the caller to drop: holds none of them afterwards.
 */
import { types } from 'node:util';
import type { HeapGraph } from './snapshot/graph';
import { isObject } from './object-ref';

/** Finds live objects by heap snapshot id (undefined where not found); each id costs a heap walk. */
export type ObjectsByIds = (ids: readonly number[]) => Array<object | undefined>;

/**
 * Finds a live object of a class by heap id among objects already known (e.g. the objects born
 * during a check), without walking the heap; undefined when it is not among them.
 */
export type KnownObjectById = (className: string, id: number) => object | undefined;

/** Node types whose heap ids stand for JavaScript objects that can be looked up and read. */
const JS_OBJECT_TYPES = new Set(['object', 'closure', 'regexp']);

export class PathObjects {
  readonly #graph: HeapGraph;
  readonly #byIds: ObjectsByIds;
  readonly #known: KnownObjectById | undefined;
  /** Objects found so far, by node index; null where a lookup by id found nothing. */
  readonly #found = new Map<number, object | null>();
  #lookups = 0;

  constructor(graph: HeapGraph, byIds: ObjectsByIds, known?: KnownObjectById) {
    this.#graph = graph;
    this.#byIds = byIds;
    this.#known = known;
  }

  /** Heap walks made so far (one per id looked up). */
  get lookups(): number {
    return this.#lookups;
  }

  /**
   * The live object reached by `edges[index]` (edges as `HeapGraph.pathTo` gives them, from a root),
   * or undefined when it cannot be found.
   */
  objectAt(edges: readonly number[], index: number): object | undefined {
    const graph = this.#graph;
    const target = graph.edgeTo(edges[index]!);
    const known = this.#found.get(target);
    if (known !== undefined) return known ?? undefined;
    const quick = this.#known?.(graph.nodeName(target), graph.nodeId(target));
    if (quick !== undefined) {
      this.#found.set(target, quick);
      return quick;
    }
    // Walk back over the steps that can be followed forwards, to the earliest object that can be
    // looked up (or one already found): from there, property and element reads reach the target.
    let start = index;
    for (let i = index; i > 0 && followable(graph, edges[i]!) && !this.#found.has(graph.edgeTo(edges[i]!)); i--) {
      const from = graph.edgeFrom(edges[i]!);
      if (this.#found.get(from) === null) break;
      if (this.#found.has(from) || isJsObject(graph, from)) start = i - 1;
      else break;
    }
    let current = this.#lookUp(graph.edgeTo(edges[start]!));
    for (let i = start + 1; i <= index && current !== undefined; i++) {
      const node = graph.edgeTo(edges[i]!);
      current = this.#found.get(node) ?? read(current, graph.edgeName(edges[i]!));
      if (current !== undefined) this.#found.set(node, current);
    }
    // A read that found nothing (e.g. a property the snapshot names differently): look the target up.
    return current ?? this.#lookUp(target);
  }

  #lookUp(node: number): object | undefined {
    const known = this.#found.get(node);
    if (known !== undefined) return known ?? undefined;
    this.#lookups++;
    const [obj] = this.#byIds([this.#graph.nodeId(node)]);
    this.#found.set(node, obj ?? null);
    return obj;
  }
}

/** A node that stands for a JavaScript object (not a V8-internal one such as a context or a table). */
function isJsObject(graph: HeapGraph, node: number): boolean {
  const name = graph.nodeName(node);
  return JS_OBJECT_TYPES.has(graph.nodeType(node)) && !name.startsWith('system / ') && !name.startsWith('(');
}

/** A property or element edge whose name a plain own-property read can follow. */
function followable(graph: HeapGraph, edge: number): boolean {
  const type = graph.edgeType(edge);
  return type === graph.edgeElement || (type === graph.edgeProperty && typeof graph.edgeName(edge) === 'string');
}

/** The object an own data property or element holds, or undefined (accessors and proxies are not read). */
function read(holder: object, name: string | number): object | undefined {
  if (types.isProxy(holder)) return undefined;
  const descriptor = Reflect.getOwnPropertyDescriptor(holder, String(name));
  if (descriptor === undefined || !('value' in descriptor)) return undefined;
  const value: unknown = descriptor.value;
  return isObject(value) ? value : undefined;
}
