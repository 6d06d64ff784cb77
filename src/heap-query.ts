/**
 * Finds live instances of a class by asking V8 (`Runtime.queryObjects` through an in-process
 * `node:inspector` session). Works in the main thread, worker threads and vm contexts (Jest's test
 * files, Vitest's vm pools), where `v8.queryObjects` is blind, by querying from the execution context
 * the class was created in. The session is connected only for the duration of one synchronous call,
 * so no console message or user code runs while it is open. Never keeps what it found: the caller
 * owns the returned array and must drop it.
 */
import * as inspector from 'node:inspector';
import { AnyClass } from './births';
import { TrackrefError } from './errors';
import { post as postSync } from './inspector-post';

// The probe and the realm tag hang off the realm's own `Symbol` function, not its global object:
// test runners proxy the global (Jest 30 records every property defined on it for clean-up, and a
// later delete does not forget the value), and nothing there may hold what trackref looks at.
const REALM_TAG = Symbol.for('trackref.realm');
const PROBE = Symbol.for('trackref.probe');
const PROBE_EXPRESSION = 'Symbol[Symbol.for("trackref.probe")]';
const REALM_TAG_EXPRESSION = 'Symbol[Symbol.for("trackref.realm")]';
const OBJECT_GROUP = 'trackref';

export type Post = <R>(method: string, params?: object) => R;

interface RemoteObject {
  objectId?: string;
  type: string;
  value?: unknown;
}

let nextRealmTag = 1;
const contextIds = new WeakMap<object, number>();
const realmGlobals = new WeakMap<object, object>();

/**
 * The global object of the realm (main context, worker, vm context) a class was created in, as its
 * `constructor` property tells (a function's realm `Function`). For a derived class that property is
 * inherited from its base class, which may come from another realm: see `codeRealmGlobalOf`.
 */
export function realmGlobalOf(cls: AnyClass): object {
  const realmFunction: unknown = (cls as unknown as { constructor: unknown }).constructor;
  return typeof realmFunction === 'function' ? globalOfRealmFunction(realmFunction) : globalThis;
}

/**
 * The global object of the realm whose code `fn` runs in: where a breakpoint condition set in it is
 * evaluated. For a class, the realm its `class` was evaluated in, even when it extends a class of
 * another realm (a vm context's class extending Node's `EventEmitter`): calling a class constructor
 * without `new` throws a TypeError made in the class's own realm before any of its code runs
 * (ECMA-262, [[Call]] of a class constructor). Other functions are never called.
 */
export function codeRealmGlobalOf(fn: AnyClass): object {
  let source = '';
  try {
    source = Function.prototype.toString.call(fn);
  } catch {
    // Not a plain function (a revoked proxy): its `constructor` is all there is to go by.
  }
  if (source.startsWith('class')) {
    try {
      Reflect.apply(fn, undefined, []);
    } catch (error) {
      const realmFunction: unknown = (error as { constructor?: { constructor?: unknown } } | null)?.constructor?.constructor;
      if (typeof realmFunction === 'function') return globalOfRealmFunction(realmFunction);
    }
  }
  return realmGlobalOf(fn);
}

/** The global object of the realm whose `Function` constructor is `realmFunction`. */
function globalOfRealmFunction(realmFunction: Function): object {
  let global = realmGlobals.get(realmFunction);
  if (global === undefined) {
    try {
      global = (realmFunction as FunctionConstructor)('return globalThis')() as object;
    } catch {
      // Code generation from strings is disabled in that realm: assume it is ours.
      global = globalThis;
    }
    realmGlobals.set(realmFunction, global);
  }
  return global;
}

/** The realm's `Symbol` function: where probes and tags are attached (see the note above). */
function probeAnchor(global: object): object {
  const realmSymbol: unknown = (global as { Symbol?: unknown }).Symbol;
  if (typeof realmSymbol !== 'function') {
    throw new TrackrefError('trackref needs the global Symbol function of the realm it inspects; something replaced it.');
  }
  return realmSymbol;
}

function tagOf(global: object): number {
  const anchor = probeAnchor(global);
  const tagged = Object.prototype.hasOwnProperty.call(anchor, REALM_TAG) ? (anchor as Record<symbol, unknown>)[REALM_TAG] : undefined;
  if (typeof tagged === 'number') return tagged;
  const tag = nextRealmTag++ + Math.random();
  Object.defineProperty(anchor, REALM_TAG, { value: tag, configurable: true, enumerable: false });
  return tag;
}

/** Finds the inspector's execution context id for a realm's global object. */
function discoverContextId(session: inspector.Session, post: Post, global: object): number {
  const tag = tagOf(global);
  const contexts: number[] = [];
  const listener = (message: { params: { context: { id: number } } }): void => {
    contexts.push(message.params.context.id);
  };
  // Runtime.enable reports every existing context synchronously through notifications.
  session.on('Runtime.executionContextCreated', listener);
  try {
    post('Runtime.enable');
  } finally {
    session.off('Runtime.executionContextCreated', listener);
    post('Runtime.disable');
  }
  for (const contextId of contexts) {
    try {
      const { result } = post<{ result: RemoteObject }>('Runtime.evaluate', {
        expression: REALM_TAG_EXPRESSION,
        contextId,
        returnByValue: true,
        silent: true,
      });
      if (result.value === tag) {
        contextIds.set(global, contextId);
        return contextId;
      }
    } catch {
      // A context being torn down: skip it.
    }
  }
  throw new TrackrefError(
    'trackref could not find the execution context of the class to count. ' +
      'Count a class created in this process (not in a closed vm context), or pass objects to track().',
  );
}

export interface HeapQueryResult {
  /** Live instances of the class and its subclasses. */
  instances: object[];
  /** Subclasses found through their prototype objects, even those with no live instance. */
  subclasses: AnyClass[];
}

/**
 * A session lent by allocation tracking (allocation-trace.ts) while it is on: disconnecting any
 * session stops V8's allocation tracking, so every query uses this one instead of a session of its
 * own, and the constructor hook's shared session is not disconnected meanwhile. Kept on Node's
 * `inspector.Session` class, which every copy of this module in the thread shares (Jest and Vitest's
 * vm pools load a copy per test file): a symbol-keyed property, removed when the loan ends.
 */
const LENT_KEY = Symbol.for('trackref.lentSession');
const lentHolder = inspector.Session as unknown as Record<symbol, inspector.Session | undefined>;

/** Lends `session` to every later `withSession` (undefined: each opens its own again). */
export function lendSession(session: inspector.Session | undefined): void {
  if (session === undefined) delete lentHolder[LENT_KEY];
  else Object.defineProperty(lentHolder, LENT_KEY, { value: session, configurable: true, enumerable: false, writable: true });
}

/** Whether a session is lent (allocation tracking is on in this thread): no session may disconnect. */
export function sessionLent(): boolean {
  return lentHolder[LENT_KEY] !== undefined;
}

/** Runs `body` with an inspector session connected to this thread's isolate, then disconnects. */
export function withSession<T>(body: (session: inspector.Session) => T): T {
  const lent = lentHolder[LENT_KEY];
  if (lent !== undefined) return body(lent);
  const session = new inspector.Session();
  session.connect();
  try {
    return body(session);
  } finally {
    session.disconnect();
  }
}

/**
 * Makes `holder` reachable from the inspector in the realm whose global is `global`, and runs
 * `body` with the holder's remote object id. The holder is unreachable again when this returns.
 */
function withProbe<T>(session: inspector.Session, global: object, holder: object, body: (holderId: string, post: Post) => T): T {
  const post: Post = (method, params) => postSync(session, method, params);
  const anchor = probeAnchor(global);
  Object.defineProperty(anchor, PROBE, { value: holder, configurable: true, enumerable: false, writable: true });
  const run = (contextId: number): T => {
    const holderRef = post<{ result: RemoteObject }>('Runtime.evaluate', { expression: PROBE_EXPRESSION, contextId, objectGroup: OBJECT_GROUP, silent: true }).result;
    if (holderRef.objectId === undefined) {
      throw new TrackrefError('trackref could not reach its probe in the class realm.');
    }
    return body(holderRef.objectId, post);
  };
  try {
    const cached = contextIds.get(global);
    if (cached !== undefined) {
      try {
        return run(cached);
      } catch {
        contextIds.delete(global);
      }
    }
    return run(discoverContextId(session, post, global));
  } finally {
    post('Runtime.releaseObjectGroup', { objectGroup: OBJECT_GROUP });
    delete (anchor as Record<symbol, unknown>)[PROBE];
  }
}

/**
 * Runs `body` with a remote object id for `value`, reached from the execution context of the realm
 * whose global is `global` (the id is released when this returns). For inspector calls that take an
 * object: a function's location, a breakpoint on it.
 */
export function withRemoteObject<T>(session: inspector.Session, global: object, value: object, body: (objectId: string, post: Post) => T): T {
  const holder = { value };
  return withProbe(session, global, holder, (holderId, post) => {
    const ref = post<{ result: RemoteObject }>('Runtime.callFunctionOn', {
      objectId: holderId,
      functionDeclaration: 'function () { return this.value; }',
      objectGroup: OBJECT_GROUP,
      silent: true,
    }).result;
    if (ref.objectId === undefined) throw new TrackrefError('trackref could not reach an object through the inspector.');
    return body(ref.objectId, post);
  });
}

/**
 * All live instances of `cls` and its subclasses in its realm, and the subclasses themselves.
 * V8 runs a full garbage collection first, so only reachable objects are returned.
 */
export function queryHeap(cls: AnyClass): HeapQueryResult {
  const prototype: unknown = cls.prototype;
  if (typeof prototype !== 'object' || prototype === null) {
    throw new TrackrefError(`${cls.name || 'This class'} has no prototype object, so its instances cannot be counted. Pass a class declared with \`class\` or \`function\`.`);
  }
  const holder: { proto: unknown; out: unknown } = { proto: prototype, out: undefined };
  withSession((session) =>
    withProbe(session, realmGlobalOf(cls), holder, (holderId, post) => {
      const protoRef = post<{ result: RemoteObject }>('Runtime.callFunctionOn', {
        objectId: holderId,
        functionDeclaration: 'function () { return this.proto; }',
        objectGroup: OBJECT_GROUP,
        silent: true,
      }).result;
      const found = post<{ objects: RemoteObject }>('Runtime.queryObjects', { prototypeObjectId: protoRef.objectId, objectGroup: OBJECT_GROUP }).objects;
      post('Runtime.callFunctionOn', {
        objectId: holderId,
        functionDeclaration: 'function (found) { this.out = found; }',
        arguments: [{ objectId: found.objectId }],
        silent: true,
      });
    }),
  );
  const found = holder.out;
  holder.out = undefined;
  if (!Array.isArray(found)) {
    throw new TrackrefError('The inspector returned no instance list; trackref cannot count instances here.');
  }
  const result: HeapQueryResult = { instances: [], subclasses: [] };
  for (const obj of found as unknown[]) {
    const ownClass = prototypeOwner(obj);
    if (ownClass !== undefined) {
      result.subclasses.push(ownClass);
      if (ownClass.name) seenTrackedNames.add(ownClass.name);
    } else if (typeof obj === 'object' && obj !== null) {
      result.instances.push(obj);
    }
  }
  return result;
}

const seenTrackedNames = new Set<string>();

/** Names of classes seen as subclasses by heap queries so far (for ObjectRef: the tracked classes). */
export function trackedClassNames(): ReadonlySet<string> {
  return seenTrackedNames;
}

/** Heap snapshot ids of objects (0 for objects the session's heap profiler has not seen yet). */
export function heapIdsOf(session: inspector.Session, objects: readonly object[]): number[] {
  const holder = { items: objects };
  return withProbe(session, globalThis, holder, (holderId, post) => {
    // One call hands over every object (as the items array's own properties), then one id each.
    const items = post<{ result: RemoteObject }>('Runtime.callFunctionOn', {
      objectId: holderId,
      functionDeclaration: 'function () { return this.items; }',
      objectGroup: OBJECT_GROUP,
      silent: true,
    }).result;
    const ids = new Array<number>(objects.length).fill(0);
    if (items.objectId === undefined) return ids;
    const properties = post<{ result: PropertyDescriptorLike[] }>('Runtime.getProperties', { objectId: items.objectId, ownProperties: true, generatePreview: false }).result;
    for (const property of properties) {
      const index = Number(property.name);
      const objectId = property.value?.objectId;
      if (!Number.isInteger(index) || index < 0 || index >= objects.length || objectId === undefined) continue;
      ids[index] = Number(post<{ heapSnapshotObjectId: string }>('HeapProfiler.getHeapObjectId', { objectId }).heapSnapshotObjectId);
    }
    return ids;
  });
}

/** The live objects behind heap snapshot ids (undefined where the object is gone or not an object). */
export function objectsByHeapIds(session: inspector.Session, ids: readonly number[]): Array<object | undefined> {
  const holder: { out: unknown[] } = { out: [] };
  withProbe(session, globalThis, holder, (holderId, post) => {
    ids.forEach((id, index) => {
      try {
        const ref = post<{ result: RemoteObject }>('HeapProfiler.getObjectByHeapObjectId', { objectId: String(id), objectGroup: OBJECT_GROUP }).result;
        if (ref.objectId === undefined) return;
        post('Runtime.callFunctionOn', {
          objectId: holderId,
          functionDeclaration: 'function (o, i) { this.out[i] = o; }',
          arguments: [{ objectId: ref.objectId }, { value: index }],
          silent: true,
        });
      } catch {
        // The object was collected, or the id is not an object's.
      }
    });
  });
  return ids.map((_id, index) => {
    const obj = holder.out[index];
    return typeof obj === 'object' && obj !== null ? obj : undefined;
  });
}

interface PropertyDescriptorLike {
  name: string;
  value?: RemoteObject;
}

/**
 * The variables in a closure's scopes that hold objects, as heap id of the value → variable name
 * (the closure is given by its heap id; empty when it cannot be found). Asks V8 for the closure's
 * `[[Scopes]]`: the names a heap snapshot leaves out for some contexts. Finding the closure walks
 * the heap, so callers ask once per closure.
 */
export function scopeVariablesOf(session: inspector.Session, closureId: number): Map<number, string> {
  const post: Post = (method, params) => postSync(session, method, params);
  const names = new Map<number, string>();
  try {
    const closure = post<{ result: RemoteObject }>('HeapProfiler.getObjectByHeapObjectId', { objectId: String(closureId), objectGroup: OBJECT_GROUP }).result;
    if (closure.objectId === undefined) return names;
    const internals = post<{ internalProperties?: PropertyDescriptorLike[] }>('Runtime.getProperties', { objectId: closure.objectId, ownProperties: true }).internalProperties ?? [];
    const scopesId = internals.find((p) => p.name === '[[Scopes]]')?.value?.objectId;
    if (scopesId === undefined) return names;
    const scopes = post<{ result: PropertyDescriptorLike[] }>('Runtime.getProperties', { objectId: scopesId, ownProperties: true }).result;
    for (const scope of scopes) {
      if (scope.value?.objectId === undefined || !/^\d+$/.test(scope.name)) continue;
      const variables = post<{ result: PropertyDescriptorLike[] }>('Runtime.getProperties', { objectId: scope.value.objectId, ownProperties: true }).result;
      for (const variable of variables) {
        const objectId = variable.value?.objectId;
        if (objectId === undefined) continue;
        const id = Number(post<{ heapSnapshotObjectId: string }>('HeapProfiler.getHeapObjectId', { objectId }).heapSnapshotObjectId);
        // The innermost scope comes first and shadows outer ones.
        if (!names.has(id)) names.set(id, variable.name);
      }
    }
    return names;
  } catch {
    return names;
  } finally {
    post('Runtime.releaseObjectGroup', { objectGroup: OBJECT_GROUP });
  }
}

/**
 * The class whose `prototype` object this is (queryObjects finds subclasses' prototype objects too,
 * because their chain holds the queried one), or undefined for an ordinary instance.
 */
function prototypeOwner(obj: unknown): AnyClass | undefined {
  if (typeof obj !== 'object' || obj === null) return undefined;
  try {
    if (!Object.prototype.hasOwnProperty.call(obj, 'constructor')) return undefined;
    const ctor: unknown = (obj as { constructor: unknown }).constructor;
    return typeof ctor === 'function' && (ctor as { prototype?: unknown }).prototype === obj ? (ctor as AnyClass) : undefined;
  } catch {
    return undefined;
  }
}
