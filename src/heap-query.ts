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

const REALM_TAG = Symbol.for('trackref.realm');
const PROBE = Symbol.for('trackref.probe');
const PROBE_EXPRESSION = 'globalThis[Symbol.for("trackref.probe")]';
const OBJECT_GROUP = 'trackref';

type Post = <R>(method: string, params?: object) => R;

interface RemoteObject {
  objectId?: string;
  type: string;
  value?: unknown;
}

let nextRealmTag = 1;
const contextIds = new WeakMap<object, number>();
const realmGlobals = new WeakMap<object, object>();

/** The global object of the realm (main context, worker, vm context) a class was created in. */
function realmGlobalOf(cls: AnyClass): object {
  const realmFunction: unknown = (cls as unknown as { constructor: unknown }).constructor;
  if (typeof realmFunction !== 'function') {
    return globalThis;
  }
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

function tagOf(global: object): number {
  const tagged = (global as Record<symbol, unknown>)[REALM_TAG];
  if (typeof tagged === 'number') return tagged;
  const tag = nextRealmTag++ + Math.random();
  Object.defineProperty(global, REALM_TAG, { value: tag, configurable: true, enumerable: false });
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
        expression: 'globalThis[Symbol.for("trackref.realm")]',
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
 * All live instances of `cls` and its subclasses in its realm, and the subclasses themselves.
 * V8 runs a full garbage collection first, so only reachable objects are returned.
 */
export function queryHeap(cls: AnyClass): HeapQueryResult {
  const prototype: unknown = cls.prototype;
  if (typeof prototype !== 'object' || prototype === null) {
    throw new TrackrefError(`${cls.name || 'This class'} has no prototype object, so its instances cannot be counted. Pass a class declared with \`class\` or \`function\`.`);
  }
  const global = realmGlobalOf(cls);
  const holder: { proto: unknown; out: unknown } = { proto: prototype, out: undefined };
  Object.defineProperty(global, PROBE, { value: holder, configurable: true, enumerable: false, writable: true });
  const session = new inspector.Session();
  session.connect();
  try {
    const post: Post = makePost(session);
    const run = (contextId: number): void => {
      const holderRef = post<{ result: RemoteObject }>('Runtime.evaluate', {
        expression: PROBE_EXPRESSION,
        contextId,
        objectGroup: OBJECT_GROUP,
        silent: true,
      }).result;
      if (holderRef.objectId === undefined) {
        throw new TrackrefError('trackref could not reach its probe in the class realm.');
      }
      const protoRef = post<{ result: RemoteObject }>('Runtime.callFunctionOn', {
        objectId: holderRef.objectId,
        functionDeclaration: 'function () { return this.proto; }',
        objectGroup: OBJECT_GROUP,
        silent: true,
      }).result;
      const found = post<{ objects: RemoteObject }>('Runtime.queryObjects', {
        prototypeObjectId: protoRef.objectId,
        objectGroup: OBJECT_GROUP,
      }).objects;
      post('Runtime.callFunctionOn', {
        objectId: holderRef.objectId,
        functionDeclaration: 'function (found) { this.out = found; }',
        arguments: [{ objectId: found.objectId }],
        silent: true,
      });
    };
    try {
      let contextId = contextIds.get(global);
      if (contextId === undefined) {
        contextId = discoverContextId(session, post, global);
        run(contextId);
      } else {
        try {
          run(contextId);
        } catch {
          contextIds.delete(global);
          run(discoverContextId(session, post, global));
        }
      }
    } finally {
      post('Runtime.releaseObjectGroup', { objectGroup: OBJECT_GROUP });
    }
  } finally {
    session.disconnect();
    delete (global as Record<symbol, unknown>)[PROBE];
  }
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
    } else if (typeof obj === 'object' && obj !== null) {
      result.instances.push(obj);
    }
  }
  return result;
}

function makePost(session: inspector.Session): Post {
  return <R>(method: string, params?: object): R => {
    let failure: Error | null = null;
    let answer: unknown;
    let answered = false;
    session.post(method, params, (err: Error | null, result?: unknown) => {
      failure = err;
      answer = result;
      answered = true;
    });
    if (!answered) {
      throw new TrackrefError(`The inspector did not answer ${method} synchronously; trackref needs an in-process inspector session.`);
    }
    if (failure) throw failure;
    return answer as R;
  };
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
