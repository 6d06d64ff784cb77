/**
 * Constructor hooks: see every instance a JavaScript constructor makes, for classes trackref does
 * not stamp (a library's `Request`, `http.ClientRequest`, a user class that does not extend
 * ObjectRef), without changing the class. Each hooked constructor gets a conditional breakpoint
 * through an in-process inspector session whose condition hands `this` to a dispatcher and
 * evaluates to `undefined`, so the thread never pauses: `Debugger.setBreakpointOnFunctionCall` for
 * base classes and plain constructor functions (the instance exists on entry), breakpoints at the
 * return locations of a derived class's own constructor (its `this` exists only after `super()`).
 *
 * A watch records births (instances of its targets made while it is open) as weak references, and
 * when asked captures each one's allocation stack: a passing check decides from births without a
 * heap census, a failing one gets a `made at` line for objects it did not stamp. It sees only
 * instances made by a hookable JS constructor (not builtins such as Map or Promise, nor
 * `Object.create(C.prototype)`), and stops keeping references past its limit (`overflowed`).
 * Never holds a strong reference to a birth; removes its breakpoints and its session on `close()`.
 */
import * as inspector from 'node:inspector';
import { AnyClass } from './births';
import { captureHookedSite } from './allocation';
import { Post, realmGlobalOf, withRemoteObject } from './heap-query';
import { post as postSync } from './inspector-post';
import { own } from './own-objects';
import { classOf } from './object-ref';

const DISPATCH = Symbol.for('trackref.births');
/**
 * The breakpoints' condition. It reaches the dispatcher through the realm's global `Symbol`
 * function (not the global object, which runners proxy), by `globalThis` because a module may bind
 * `Symbol` to something else (Node's own modules take it from their primordials).
 */
const CONDITION = 'void globalThis.Symbol[globalThis.Symbol.for("trackref.births")]?.(this)';

/**
 * Allocation stacks captured per watch at most (each costs a deep stack trace, formatted through the
 * runner's source maps): the report shows the oldest few leaked instances, which are early births.
 */
const SITE_LIMIT = 2_000;

/** Why a class cannot be watched, for the report and the decision to count it on the heap. */
export type Unhookable = { cls: AnyClass; reason: string };

export interface BirthWatchOptions {
  /** Births kept (weakly) at most; past it `overflowed` is set and counting must fall back to the heap. */
  limit: number;
  /** Capture each birth's allocation stack into the current site book. */
  captureSites: boolean;
  /** Classes whose instances are not recorded (ignored by the check). */
  isIgnored?: (cls: AnyClass) => boolean;
}

interface Realm {
  anchor: Record<symbol, unknown>;
  users: number;
}

const openWatches = new Set<BirthWatch>();
const realms = new Map<object, Realm>();

/** Hands a constructed object to every open watch. Must never throw into the constructor it runs in. */
function dispatch(obj: unknown): void {
  if ((typeof obj !== 'object' && typeof obj !== 'function') || obj === null) return;
  for (const watch of openWatches) {
    try {
      watch.consider(obj);
    } catch {
      // A birth a watch could not record is counted on the heap instead (see BirthWatch.failed).
      watch.failed = true;
    }
  }
}

function addRealmUser(global: object): void {
  let realm = realms.get(global);
  if (realm === undefined) {
    const anchor = (global as { Symbol: unknown }).Symbol as Record<symbol, unknown>;
    Object.defineProperty(anchor, DISPATCH, { value: dispatch, configurable: true, enumerable: false, writable: true });
    realm = { anchor, users: 0 };
    realms.set(global, realm);
  }
  realm.users++;
}

function removeRealmUser(global: object): void {
  const realm = realms.get(global);
  if (realm === undefined) return;
  if (--realm.users === 0) {
    delete realm.anchor[DISPATCH];
    realms.delete(global);
  }
}

interface FunctionLocation {
  scriptId: string;
  lineNumber: number;
  columnNumber: number;
}

/** Where and how one class's constructions are hooked. */
interface HookPlan {
  /** The function the breakpoints are in (the class itself, or the nearest ancestor with a constructor of its own). */
  fn: AnyClass;
  kind: 'call' | 'return';
}

export class BirthWatch {
  readonly #targets: AnyClass[];
  readonly #options: BirthWatchOptions;
  readonly #seen = new WeakSet<object>();
  #sitesCaptured = 0;
  /** Weak references to the births, while there are at most `limit`; undefined once there are more. */
  #born: Array<WeakRef<object>> | undefined = own([]);
  #session: inspector.Session | undefined;
  readonly #breakpoints: string[] = own([]);
  readonly #realms: object[] = own([]);
  /** Set when more births came than the watch keeps: counts from it are incomplete. */
  overflowed = false;
  /** Set when recording a birth failed: counts from it are incomplete. */
  failed = false;

  constructor(targets: AnyClass[], options: BirthWatchOptions) {
    this.#targets = targets;
    this.#options = options;
  }

  /** Called by the dispatcher for every object a hooked constructor is building. */
  consider(obj: object): void {
    if (this.#seen.has(obj)) return;
    if (!this.#targets.some((cls) => isInstance(obj, cls))) return;
    this.#seen.add(obj);
    const cls = classOf(obj);
    if (cls !== undefined && this.#options.isIgnored?.(cls) === true) return;
    if (this.#born !== undefined) {
      if (this.#born.length < this.#options.limit) this.#born.push(new WeakRef(obj));
      else {
        this.#born = undefined;
        this.overflowed = true;
        // Counting falls back to the heap: stop paying for a hook per construction (not from
        // inside the breakpoint's condition, where the inspector is busy).
        queueMicrotask(() => this.#disarm());
      }
    }
    if (this.#options.captureSites && this.#sitesCaptured < SITE_LIMIT) {
      this.#sitesCaptured++;
      captureHookedSite(obj);
    }
  }

  /**
   * The births still alive that are instances of `target`, subclasses included (a fresh array: drop
   * it soon), or undefined when the watch kept no references or missed some (`overflowed`,
   * `failed`). Call it in a later macrotask than the births and a collection.
   */
  bornAlive(target: AnyClass): object[] | undefined {
    if (this.#born === undefined || this.overflowed || this.failed) return undefined;
    const alive = own<object[]>([]);
    for (const ref of this.#born) {
      const obj = ref.deref();
      if (obj !== undefined && isInstance(obj, target)) alive.push(obj);
    }
    return alive;
  }

  /** The weak references to the births (undefined past the limit); valid after `close()` if taken before. */
  bornRefs(): ReadonlyArray<WeakRef<object>> | undefined {
    return this.#born;
  }

  /** Arms the breakpoints; returns the classes that cannot be hooked (they are not watched). */
  start(): Unhookable[] {
    const session = new inspector.Session();
    session.connect();
    this.#session = session;
    openWatches.add(this);
    const post: Post = (method, params) => postSync(session, method, params);
    const scripts = new Set<string>();
    const onScript = (message: { params: { scriptId: string } }): void => {
      scripts.add(message.params.scriptId);
    };
    // Debugger.enable reports every script it can break in, synchronously.
    session.on('Debugger.scriptParsed', onScript);
    try {
      post('Debugger.enable');
    } finally {
      session.off('Debugger.scriptParsed', onScript);
    }
    const sources = new Map<string, string>();
    const unhookable: Unhookable[] = own([]);
    const hooked = new Set<AnyClass>();
    for (const cls of this.#targets) {
      const plan = planHook(session, cls, scripts, sources);
      if (typeof plan === 'string') {
        unhookable.push({ cls, reason: plan });
        continue;
      }
      // Two targets sharing a constructor (a class and its subclass without one) need one hook.
      if (hooked.has(plan.fn)) continue;
      hooked.add(plan.fn);
      const global = realmGlobalOf(plan.fn);
      withRemoteObject(session, global, plan.fn, (objectId, remotePost) => {
        if (plan.kind === 'call') {
          this.#breakpoints.push(remotePost<{ breakpointId: string }>('Debugger.setBreakpointOnFunctionCall', { objectId, condition: CONDITION }).breakpointId);
          return;
        }
        const start = functionLocation(remotePost, objectId)!;
        const { locations } = remotePost<{ locations: Array<FunctionLocation & { type?: string }> }>('Debugger.getPossibleBreakpoints', { start, restrictToFunction: true });
        for (const location of locations.filter((l) => l.type === 'return')) {
          const { scriptId, lineNumber, columnNumber } = location;
          this.#breakpoints.push(remotePost<{ breakpointId: string }>('Debugger.setBreakpoint', { location: { scriptId, lineNumber, columnNumber }, condition: CONDITION }).breakpointId);
        }
      });
      addRealmUser(global);
      this.#realms.push(global);
    }
    return unhookable;
  }

  /** Removes the breakpoints (the session stays until `close()`). */
  #disarm(): void {
    const session = this.#session;
    if (session === undefined) return;
    for (const breakpointId of this.#breakpoints.splice(0)) postSync(session, 'Debugger.removeBreakpoint', { breakpointId });
  }

  /** Removes the breakpoints and the session. Safe to call more than once. */
  close(): void {
    openWatches.delete(this);
    for (const global of this.#realms.splice(0)) removeRealmUser(global);
    const session = this.#session;
    if (session === undefined) return;
    try {
      this.#disarm();
      postSync(session, 'Debugger.disable');
    } finally {
      this.#session = undefined;
      session.disconnect();
    }
  }
}

function isInstance(obj: object, cls: AnyClass): boolean {
  return Object.prototype.isPrototypeOf.call(cls.prototype as object, obj);
}

/** Opens a watch on `targets` and arms it; the caller must `close()` it, whatever happens. */
export function watchBirths(targets: AnyClass[], options: BirthWatchOptions): { watch: BirthWatch; unhookable: Unhookable[] } {
  const watch = new BirthWatch(targets, options);
  try {
    return { watch, unhookable: watch.start() };
  } catch (error) {
    watch.close();
    throw error;
  }
}

function functionLocation(post: Post, objectId: string): FunctionLocation | undefined {
  const { internalProperties } = post<{ internalProperties?: Array<{ name: string; value?: { value?: unknown } }> }>('Runtime.getProperties', { objectId, ownProperties: true });
  const location = internalProperties?.find((p) => p.name === '[[FunctionLocation]]')?.value?.value;
  return location === undefined ? undefined : (location as FunctionLocation);
}

/** True for a class declared with `extends`: its `this` exists only after `super()` returns. */
function isDerivedClass(fn: AnyClass): boolean {
  let source: string;
  try {
    source = Function.prototype.toString.call(fn);
  } catch {
    return false;
  }
  if (!source.startsWith('class')) return false;
  const realmFunction = (fn as unknown as { constructor: { prototype: unknown } }).constructor;
  return Object.getPrototypeOf(fn) !== realmFunction.prototype;
}

/**
 * Where to hook `cls`: its own constructor, or (for a derived class with the default constructor)
 * the nearest ancestor with one; a string says why it cannot be hooked.
 */
function planHook(session: inspector.Session, cls: AnyClass, scripts: ReadonlySet<string>, sources: Map<string, string>): HookPlan | string {
  const post: Post = (method, params) => postSync(session, method, params);
  for (let fn: unknown = cls, depth = 0; depth < 64; depth++) {
    if (typeof fn !== 'function') return `${cls.name || 'the class'} has no JavaScript constructor to watch`;
    const candidate = fn as AnyClass;
    const location = withRemoteObject(session, realmGlobalOf(candidate), candidate, (objectId, remotePost) => functionLocation(remotePost, objectId));
    if (location === undefined) return `${candidate.name || 'its base class'} is built into the engine (no JavaScript constructor)`;
    if (!scripts.has(location.scriptId)) return `${candidate.name || 'its constructor'} is in a script the inspector cannot break in`;
    if (!isDerivedClass(candidate)) return { fn: candidate, kind: 'call' };
    // A derived class without a constructor of its own starts at the `class` keyword: hook its parent.
    let source = sources.get(location.scriptId);
    if (source === undefined) {
      source = post<{ scriptSource: string }>('Debugger.getScriptSource', { scriptId: location.scriptId }).scriptSource;
      sources.set(location.scriptId, source);
    }
    if (!textAt(source, location).startsWith('class')) return { fn: candidate, kind: 'return' };
    fn = Object.getPrototypeOf(candidate);
  }
  return `${cls.name || 'the class'} has too many base classes to watch`;
}

/** The source text from a (0-based) line and column on. */
function textAt(source: string, location: FunctionLocation): string {
  let offset = 0;
  for (let line = 0; line < location.lineNumber; line++) {
    const next = source.indexOf('\n', offset);
    if (next < 0) return '';
    offset = next + 1;
  }
  return source.slice(offset + location.columnNumber, offset + location.columnNumber + 16);
}
