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
 * instances made by a hookable JS constructor (not builtins such as Map, nor
 * `Object.create(C.prototype)`), and stops keeping references past its limit (`overflowed`). A
 * watch can instead count its births in birth sets (births.ts), which a scavenge can empty.
 * A realm's own `Promise` has no JavaScript constructor, but V8 tells of every promise it makes
 * (`new Promise`, async functions, `.then`, Node's own) through its promise init hook
 * (`v8.promiseHooks.onInit`, every realm of the thread): a watch on `Promise` uses that instead of a
 * breakpoint, with no inspector involved.
 *
 * Every watch of a thread (of every copy of this module in it) shares one session whose Debugger
 * domain stays enabled while watches are open and for `IDLE_MS` after the last one closed: enabling
 * it replays every loaded script (tens of ms in a Jest worker), more than the rest of a passing check. The session never pauses (its pauses
 * are skipped, so a `debugger;` statement or another debugger's breakpoint does not stop the thread
 * for it) and is disabled and disconnected once idle. Never holds a strong reference to a birth;
 * removes its breakpoints and its dispatcher on `close()`.
 */
import * as inspector from 'node:inspector';
import { realClearTimeout, realSetTimeout } from './real-timers';
import { promiseHooks } from 'node:v8';
import { AnyClass, BirthSets } from './births';
import { captureHookedSite, capturePromiseSite, promiseMadeByTrackref } from './allocation';
import { watchAsyncOrigins } from './async-origin';
import { Post, codeRealmGlobalOf, realmGlobalOf, sessionLent, withRemoteObject } from './heap-query';
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
  /**
   * Count births here, keyed by the target class they are instances of, instead of keeping weak
   * references (`bornAlive` and `bornRefs` are then undefined). Unlike a WeakRef, a WeakSet entry
   * does not keep a birth alive through a scavenge.
   */
  counts?: BirthSets<AnyClass>;
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

/**
 * How long the shared session keeps its Debugger domain enabled after the last watch closed (the
 * next check then skips `Debugger.enable`).
 */
const IDLE_MS = 1000;

/**
 * Whether this V8 keeps the links it makes between promises while a debugger is enabled after the
 * debugger goes: measured on Node 20 (V8 11.3), where a long-lived pending promise raced against
 * another then keeps what awaited it alive for good; not on Node 22 (V8 12.4) nor Node 24 (V8 13.6).
 */
const LINKS_OUTLIVE_DEBUGGER = Number(process.versions.v8.split('.')[0]) < 12;

/** The per-test guard's state, shared by the copies of trackref in this realm (see guard.ts). */
const GUARD_STATE = Symbol.for('trackref.guard');

/**
 * Whether the shared session closes as soon as the last watch does, instead of after `IDLE_MS`: where
 * V8's promise links outlive the debugger and a per-test guard is installed in this realm. Code run
 * meanwhile (the next test) would get links that keep its objects alive, and the guard would blame
 * the test for them. Without a guard, nothing counts objects made between checks (a check's own
 * runs are judged again without hooks when only such links hold what grew).
 */
export function closesAtOnce(): boolean {
  const guard = (globalThis as Record<symbol, { installed?: number } | undefined>)[GUARD_STATE];
  return LINKS_OUTLIVE_DEBUGGER && (guard?.installed ?? 0) > 0;
}

/**
 * Closes the idle shared session where V8 links promises while a debugger is enabled and keeps
 * those links (LINKS_OUTLIVE_DEBUGGER): for runs of fn that need no hook (a tracked class, `Promise`),
 * which would otherwise get links from a session left enabled by an earlier check.
 */
export function closeIdleDebuggerIfItLinksPromises(): void {
  if (LINKS_OUTLIVE_DEBUGGER) closeIdleDebugger();
}

/** The thread's debugger session shared by the watches (see the header). */
interface SharedDebugger {
  session: inspector.Session;
  post: Post;
  /** Open watches using it. */
  users: number;
  idleTimer: ReturnType<typeof realSetTimeout> | undefined;
  /**
   * The breakpoints set, shared by the watches that hook the same constructor (V8 refuses a second
   * breakpoint at a location: a watch left open by a check its test's timeout cut short made every
   * later check on that class fail with `Breakpoint at specified location already exists`): by
   * function for call breakpoints, by `scriptId:line:column` for the others.
   */
  callBreakpoints?: WeakMap<object, SharedBreakpoint>;
  locationBreakpoints?: Map<string, SharedBreakpoint>;
}

/** A breakpoint and the watches using it; removed when the last lets go. */
interface SharedBreakpoint {
  id: string;
  users: number;
  /** Forgets it in its table (once removed). */
  forget: () => void;
}

/** The breakpoint under `key` in `table`, set with `set` when there is none yet; one more user. */
function shareBreakpoint<K>(table: { get(key: K): SharedBreakpoint | undefined; set(key: K, value: SharedBreakpoint): unknown; delete(key: K): unknown }, key: K, set: () => string): SharedBreakpoint {
  let breakpoint = table.get(key);
  if (breakpoint === undefined) {
    breakpoint = { id: set(), users: 0, forget: () => table.delete(key) };
    table.set(key, breakpoint);
  }
  breakpoint.users++;
  return breakpoint;
}

/**
 * Where the shared session is kept: on Node's `inspector.Session` class, the one object every copy
 * of this module in the thread shares (Jest and Vitest's vm pools load a copy per test file, but
 * give each the same `node:inspector`), so a test file's first check finds the session the file
 * before left enabled. A hidden, symbol-keyed property; removed when the session closes.
 */
const SHARED_KEY = Symbol.for('trackref.sharedDebugger');
const sharedHolder = inspector.Session as unknown as Record<symbol, SharedDebugger | undefined>;

function sharedDebugger(): SharedDebugger | undefined {
  return sharedHolder[SHARED_KEY];
}

function setSharedDebugger(shared: SharedDebugger | undefined): void {
  if (shared === undefined) delete sharedHolder[SHARED_KEY];
  else Object.defineProperty(sharedHolder, SHARED_KEY, { value: shared, configurable: true, enumerable: false, writable: true });
}

/** The shared session, connected and with Debugger enabled; pair with `releaseDebugger`. */
function acquireDebugger(): SharedDebugger {
  let shared = sharedDebugger();
  if (shared === undefined) {
    const session = new inspector.Session();
    session.connect();
    const post: Post = (method, params) => postSync(session, method, params);
    try {
      post('Debugger.enable');
      // Never pause for this session: not at a `debugger;` statement, not at a breakpoint another
      // debugger set (that debugger still pauses). Conditions of breakpoints are still evaluated.
      post('Debugger.setSkipAllPauses', { skip: true });
    } catch (error) {
      session.disconnect();
      throw error;
    }
    shared = { session, post, users: 0, idleTimer: undefined };
    setSharedDebugger(shared);
  }
  if (shared.idleTimer !== undefined) {
    realClearTimeout(shared.idleTimer);
    shared.idleTimer = undefined;
  }
  shared.users++;
  return shared;
}

/** Lets go of the shared session: disabled and disconnected once no watch used it for `IDLE_MS`. */
function releaseDebugger(shared: SharedDebugger): void {
  if (--shared.users > 0) return;
  if (closesAtOnce()) closeDebugger(shared);
  else closeWhenIdle(shared);
}

function closeWhenIdle(shared: SharedDebugger): void {
  shared.idleTimer = realSetTimeout(() => closeDebugger(shared), IDLE_MS);
  shared.idleTimer.unref();
}

function closeDebugger(shared: SharedDebugger): void {
  if (shared.users > 0) return;
  // Disconnecting would switch off allocation tracking (a failing check's traced run, which may
  // outlast IDLE_MS under load): closed once it is over.
  if (sessionLent()) {
    closeWhenIdle(shared);
    return;
  }
  if (sharedDebugger() === shared) setSharedDebugger(undefined);
  try {
    shared.post('Debugger.disable');
  } catch {
    // Disconnecting disables it too.
  } finally {
    shared.session.disconnect();
  }
}

/** The shared session's state: 'closed' (no session), 'in use' (watches open) or 'idle' (enabled, closing soon). */
export function debuggerState(): 'closed' | 'in use' | 'idle' {
  const shared = sharedDebugger();
  if (shared === undefined) return 'closed';
  return shared.users > 0 ? 'in use' : 'idle';
}

/**
 * Disables and disconnects the shared session now if no watch is open (instead of after `IDLE_MS`).
 * For tests and benchmarks that measure what a check costs from cold.
 */
export function closeIdleDebugger(): void {
  const shared = sharedDebugger();
  if (shared === undefined || shared.users > 0) return;
  if (shared.idleTimer !== undefined) realClearTimeout(shared.idleTimer);
  closeDebugger(shared);
}

interface FunctionLocation {
  scriptId: string;
  lineNumber: number;
  columnNumber: number;
}

/** Where and how one class's constructions are hooked. */
type HookPlan =
  /** The function the breakpoint is on (the class itself, or the nearest ancestor with a constructor of its own). */
  | { fn: AnyClass; kind: 'call' }
  /** A derived class's own constructor, hooked where it returns. */
  | { fn: AnyClass; kind: 'return'; returns: FunctionLocation[] };

export class BirthWatch {
  readonly #targets: AnyClass[];
  readonly #options: BirthWatchOptions;
  readonly #seen = new WeakSet<object>();
  #sitesCaptured = 0;
  /** Weak references to the births, while there are at most `limit`; undefined once there are more. */
  #born: Array<WeakRef<object>> | undefined;
  /** Births recorded so far (each once). */
  #recorded = 0;
  #debugger: SharedDebugger | undefined;
  readonly #breakpoints: SharedBreakpoint[] = own([]);
  readonly #realms: object[] = own([]);
  /** Removes the promise init hook, while one is installed (a target is a realm's `Promise`). */
  #stopPromiseHook: (() => void) | undefined;
  /** Stops noting async resources' origins, while the watch captures sites (async-origin.ts). */
  #stopAsyncOrigins: (() => void) | undefined;
  /** Set when more births came than the watch keeps: counts from it are incomplete. */
  overflowed = false;
  /** Set when recording a birth failed: counts from it are incomplete. */
  failed = false;

  constructor(targets: AnyClass[], options: BirthWatchOptions) {
    this.#targets = targets;
    this.#options = options;
    this.#born = options.counts === undefined ? own([]) : undefined;
  }

  /**
   * Called by the dispatcher for every object a hooked constructor is building (and by the promise
   * init hook for every new promise); `capture` records its allocation site.
   */
  consider(obj: object, capture: (obj: object) => void = captureHookedSite): void {
    if (this.#seen.has(obj)) return;
    if (!this.#targets.some((cls) => isInstance(obj, cls))) return;
    this.#seen.add(obj);
    const cls = classOf(obj);
    if (cls !== undefined && this.#options.isIgnored?.(cls) === true) return;
    if (this.overflowed) return;
    if (this.#recorded >= this.#options.limit) {
      this.#born = undefined;
      this.overflowed = true;
      // Counting falls back to the heap: stop paying for a hook per construction (not from
      // inside the breakpoint's condition, where the inspector is busy).
      queueMicrotask(() => this.#disarm());
      return;
    }
    this.#recorded++;
    const counts = this.#options.counts;
    if (counts !== undefined) {
      for (const target of this.#targets) if (isInstance(obj, target)) counts.add(obj, target);
    } else {
      this.#born?.push(new WeakRef(obj));
    }
    if (this.#options.captureSites && this.#sitesCaptured < SITE_LIMIT) {
      this.#sitesCaptured++;
      capture(obj);
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

  /** Arms the hooks; returns the classes that cannot be hooked (they are not watched). */
  start(): Unhookable[] {
    openWatches.add(this);
    // A birth in a callback (a response made when its headers arrive) gets the line that started its work.
    if (this.#options.captureSites) this.#stopAsyncOrigins = watchAsyncOrigins();
    const unhookable: Unhookable[] = own([]);
    const constructors = this.#targets.filter((cls) => !isRealmPromise(cls));
    if (constructors.length < this.#targets.length) this.#stopPromiseHook = hookPromises(this);
    // Only constructors need the debugger (enabling it is the expensive part of a cold watch).
    if (constructors.length === 0) return unhookable;
    const shared = acquireDebugger();
    this.#debugger = shared;
    const { session } = shared;
    const sources = new Map<string, string>();
    const hooked = new Set<AnyClass>();
    for (const cls of constructors) {
      const plan = planHook(session, cls, sources);
      if (typeof plan === 'string') {
        unhookable.push({ cls, reason: plan });
        continue;
      }
      // Two targets sharing a constructor (a class and its subclass without one) need one hook.
      if (hooked.has(plan.fn)) continue;
      hooked.add(plan.fn);
      // The realm the condition runs in: the constructor's code's, not its base class's.
      const global = codeRealmGlobalOf(plan.fn);
      withRemoteObject(session, global, plan.fn, (objectId, remotePost) => {
        if (plan.kind === 'call') {
          shared.callBreakpoints ??= new WeakMap();
          this.#breakpoints.push(shareBreakpoint(shared.callBreakpoints, plan.fn, () => remotePost<{ breakpointId: string }>('Debugger.setBreakpointOnFunctionCall', { objectId, condition: CONDITION }).breakpointId));
          return;
        }
        shared.locationBreakpoints ??= new Map();
        for (const location of plan.returns) {
          const { scriptId, lineNumber, columnNumber } = location;
          const set = (): string => remotePost<{ breakpointId: string }>('Debugger.setBreakpoint', { location: { scriptId, lineNumber, columnNumber }, condition: CONDITION }).breakpointId;
          this.#breakpoints.push(shareBreakpoint(shared.locationBreakpoints, `${scriptId}:${lineNumber}:${columnNumber}`, set));
        }
      });
      addRealmUser(global);
      this.#realms.push(global);
    }
    return unhookable;
  }

  /** Removes the breakpoints and the promise hook (the watch stays open until `close()`). */
  #disarm(): void {
    this.#stopPromiseHook?.();
    this.#stopPromiseHook = undefined;
    const shared = this.#debugger;
    if (shared === undefined) return;
    for (const breakpoint of this.#breakpoints.splice(0)) {
      if (--breakpoint.users > 0) continue;
      breakpoint.forget();
      shared.post('Debugger.removeBreakpoint', { breakpointId: breakpoint.id });
    }
  }

  /** Removes the hooks and the dispatcher, and lets go of the session. Safe to call more than once. */
  close(): void {
    openWatches.delete(this);
    this.#stopAsyncOrigins?.();
    this.#stopAsyncOrigins = undefined;
    for (const global of this.#realms.splice(0)) removeRealmUser(global);
    const shared = this.#debugger;
    try {
      this.#disarm();
    } finally {
      this.#debugger = undefined;
      if (shared !== undefined) releaseDebugger(shared);
    }
  }
}

/** Whether `cls` is the `Promise` of its own realm (no JavaScript constructor: V8 makes its instances). */
function isRealmPromise(cls: AnyClass): boolean {
  return (realmGlobalOf(cls) as { Promise?: unknown }).Promise === cls;
}

/**
 * Hands every promise V8 makes from now on to `watch`, except those trackref's own code makes (marked
 * as its own: a check's pending awaits are never counted); returns the function that stops it.
 */
function hookPromises(watch: BirthWatch): () => void {
  const onPromiseInit = (promise: Promise<unknown>): void => {
    try {
      if (promiseMadeByTrackref(onPromiseInit)) {
        own(promise);
        return;
      }
      watch.consider(promise, (obj) => capturePromiseSite(obj, onPromiseInit));
    } catch {
      // Never throw into the code making the promise; its count is incomplete instead.
      watch.failed = true;
    }
  };
  const stop = promiseHooks.onInit(onPromiseInit);
  return () => stop();
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
 * Where to hook `cls`. A base class or constructor function: on its call. A derived class with a
 * constructor of its own: where that constructor returns (`this` exists only after `super()`), at
 * every return statement and the closing brace. Node 24's V8 never breaks at the closing brace of a
 * derived constructor that has a return statement anywhere (`implicitReturnsBreak` finds out, once per
 * thread), so there such a class is hooked through its root base class (the first ancestor that is
 * not derived) on its call instead: the root base builds the instance every constructor below it
 * works on, and the instances of its other subclasses are looked at and left out (each costs a
 * condition, so this is kept for where it is needed). When that root base is built into the engine
 * (`extends Map`), the class is counted on the heap. A derived class without a constructor of its
 * own is hooked as its parent. A string says why `cls` cannot be hooked.
 */
function planHook(session: inspector.Session, cls: AnyClass, sources: Map<string, string>): HookPlan | string {
  const post: Post = (method, params) => postSync(session, method, params);
  const sourceOf = (scriptId: string): string => {
    let source = sources.get(scriptId);
    if (source === undefined) {
      source = post<{ scriptSource: string }>('Debugger.getScriptSource', { scriptId }).scriptSource;
      sources.set(scriptId, source);
    }
    return source;
  };
  /** A derived constructor below is hooked through the root base (its returns cannot all be broken at). */
  let throughRoot = false;
  for (let fn: unknown = cls, depth = 0; depth < 64; depth++) {
    if (typeof fn !== 'function') return `${cls.name || 'the class'} has no JavaScript constructor to watch`;
    const candidate = fn as AnyClass;
    const location = withRemoteObject(session, realmGlobalOf(candidate), candidate, (objectId, remotePost) => functionLocation(remotePost, objectId));
    if (location === undefined) {
      if (throughRoot) return `${cls.name || 'the class'} extends a class built into the engine, and this V8 does not break where its constructor returns`;
      return `${candidate.name || 'its base class'} is built into the engine (no JavaScript constructor)`;
    }
    const blind = (): string | undefined => blindConstructor(candidate, () => constructorSource(sourceOf(location.scriptId), location));
    // The debugger knows the scripts it can break in: for any other, it answers "Script not found".
    let breaks: Array<FunctionLocation & { type?: string }>;
    try {
      breaks = post<{ locations: Array<FunctionLocation & { type?: string }> }>('Debugger.getPossibleBreakpoints', { start: location, restrictToFunction: true }).locations;
    } catch (error) {
      if (!STARTUP_SNAPSHOT_SCRIPT.test(String(error))) return `${candidate.name || 'its constructor'} is in a script the inspector cannot break in`;
      // A script of Node's startup snapshot (EventEmitter, URL, EventTarget…): V8 lists no break
      // locations in it, but a breakpoint on a call of its functions works. Not for a derived
      // class, whose constructor cannot be read there.
      if (isDerivedClass(candidate)) return `${candidate.name || 'its constructor'} is a derived class in a script of Node's startup snapshot, where the inspector lists no break locations`;
      return blind() ?? { fn: candidate, kind: 'call' };
    }
    if (!isDerivedClass(candidate)) return blind() ?? { fn: candidate, kind: 'call' };
    // A derived class with a constructor of its own (one without starts at the `class` keyword).
    if (!textAt(sourceOf(location.scriptId), location).startsWith('class')) {
      const reason = blind();
      if (reason !== undefined) return reason;
      const returns = returnLocations(breaks, sourceOf(location.scriptId));
      const explicitReturns = returns.some((l) => l.type !== 'return');
      if (!explicitReturns || implicitReturnsBreak(session)) return { fn: candidate, kind: 'return', returns };
      throughRoot = true;
    }
    fn = Object.getPrototypeOf(candidate);
  }
  return `${cls.name || 'the class'} has too many base classes to watch`;
}

/** Whether V8 breaks at the implicit return of a derived class's constructor (read once per thread by `implicitReturnsBreak`). */
let implicitReturns: boolean | undefined;

/**
 * Whether this V8 breaks at the implicit return (the closing brace) of a derived class's constructor
 * that has a return statement it did not take: Node 20's does, Node 24's does not. Found out once, on
 * a probe class compiled for it.
 */
function implicitReturnsBreak(session: inspector.Session): boolean {
  if (implicitReturns !== undefined) return implicitReturns;
  const post: Post = (method, params) => postSync(session, method, params);
  const flag = Symbol.for('trackref.implicitReturnProbe');
  const anchor = Symbol as unknown as Record<symbol, boolean | undefined>;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const Probe = new Function(
    'return class TrackrefReturnProbe extends Object {\n  constructor(early) {\n    super();\n    if (early) return;\n    this.late = true;\n  }\n};',
  )() as new (early: boolean) => object;
  let breakpointId: string | undefined;
  try {
    const location = withRemoteObject(session, globalThis, Probe, (objectId, remotePost) => functionLocation(remotePost, objectId));
    if (location === undefined) return (implicitReturns = false);
    const breaks = post<{ locations: Array<FunctionLocation & { type?: string }> }>('Debugger.getPossibleBreakpoints', { start: location, restrictToFunction: true }).locations;
    const end = breaks.filter((l) => l.type === 'return').pop();
    if (end === undefined) return (implicitReturns = false);
    const { scriptId, lineNumber, columnNumber } = end;
    const condition = 'void (globalThis.Symbol[globalThis.Symbol.for("trackref.implicitReturnProbe")] = true)';
    breakpointId = post<{ breakpointId: string }>('Debugger.setBreakpoint', { location: { scriptId, lineNumber, columnNumber }, condition }).breakpointId;
    new Probe(false);
    implicitReturns = anchor[flag] === true;
  } catch {
    implicitReturns = false;
  } finally {
    if (breakpointId !== undefined) post('Debugger.removeBreakpoint', { breakpointId });
    delete anchor[flag];
  }
  return implicitReturns;
}

/**
 * Where a derived class's constructor returns: the locations V8 types as returns, and every `return`
 * statement. Node 24's V8 types only the implicit return at the closing brace; a constructor that
 * ends with an explicit `return;` (node-cache's) never reaches it, and its instances would go unseen.
 * An instance that passes two of them is recorded once.
 */
function returnLocations(breaks: ReadonlyArray<FunctionLocation & { type?: string }>, source: string): Array<FunctionLocation & { type?: string }> {
  return breaks.filter((l) => l.type === 'return' || /^return(?![\w$])/.test(textAt(source, l, 7)));
}

/** Why each constructor read so far cannot show its instances (null: it can), by constructor. */
const blindness = new WeakMap<AnyClass, string | null>();

/**
 * Why a hook on `fn`'s constructor would not see its instances, read once from its source (`source`
 * gives the constructor's text, from its `constructor` or `function` keyword): its body starts by
 * throwing (Node 20's AbortSignal: instances are made as another class and given its prototype), or
 * it returns another object made from `this` (Node 20's Blob: `return makeTransferable(this)`), which
 * the hook never sees. Undefined when neither (a `return new Proxy(this, …)` keeps `this` alive with it).
 */
function blindConstructor(fn: AnyClass, source: () => string): string | undefined {
  let reason = blindness.get(fn);
  if (reason === undefined) {
    let text: string;
    try {
      text = source();
    } catch {
      // A source the inspector cannot give: hooked as before this reading existed.
      return undefined;
    }
    const body = bodyOf(text);
    reason = /^\s*throw\b/.test(stripComments(body))
      ? `${fn.name || 'its constructor'} always throws: its instances are made without it`
      : /\breturn\s+(?!this\b|new\s)[\w$.]+\(\s*this\b/.test(body)
        ? `${fn.name || 'its constructor'} returns another object made from the one it builds`
        : null;
    blindness.set(fn, reason);
  }
  return reason ?? undefined;
}

/** Leading comments removed. */
function stripComments(text: string): string {
  return text.replace(/^(?:\s*(?:\/\/[^\n]*\n|\/\*[\s\S]*?\*\/))*/, '');
}

/**
 * The body of a function (without its braces), from its text starting at its keyword: from the first
 * `{` after the parameters' parentheses close to the brace that matches it, skipping strings,
 * template literals and comments (a regular expression literal with a brace in it can cut it short).
 */
function bodyOf(text: string): string {
  let parens = 0;
  let opened = false;
  let start = -1;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"' || c === "'" || c === '`') {
      for (i++; i < text.length && text[i] !== c; i++) if (text[i] === '\\') i++;
    } else if (c === '/' && text[i + 1] === '/') {
      i = text.indexOf('\n', i);
      if (i < 0) break;
    } else if (c === '/' && text[i + 1] === '*') {
      i = text.indexOf('*/', i + 2);
      if (i < 0) break;
      i++;
    } else if (start < 0) {
      if (c === '(') {
        parens++;
        opened = true;
      } else if (c === ')') {
        parens--;
      } else if (c === '{' && opened && parens === 0) {
        start = i + 1;
        depth = 1;
      }
    } else if (c === '{') {
      depth++;
    } else if (c === '}' && --depth === 0) {
      return text.slice(start, i);
    }
  }
  return start < 0 ? '' : text.slice(start);
}

/** Characters of a constructor's text read at most (enough for any constructor's first statements and returns). */
const CONSTRUCTOR_TEXT = 20_000;

/** A constructor's text (from its keyword) in its script's source, by its (0-based) location. */
function constructorSource(source: string, location: FunctionLocation): string {
  return textAt(source, location, CONSTRUCTOR_TEXT);
}

/** V8's answer (sic) for break locations in a script of the startup snapshot, which it compiled without a script context. */
const STARTUP_SNAPSHOT_SCRIPT = /Cannot retri?e?ve script context/;

/** The source text from a (0-based) line and column on (`length` characters). */
function textAt(source: string, location: FunctionLocation, length = 16): string {
  let offset = 0;
  for (let line = 0; line < location.lineNumber; line++) {
    const next = source.indexOf('\n', offset);
    if (next < 0) return '';
    offset = next + 1;
  }
  return source.slice(offset + location.columnNumber, offset + location.columnNumber + length);
}
