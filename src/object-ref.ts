/**
 * What makes an object tracked: extending `ObjectRef` (a stamp in a private field, nothing else on the
 * hot path) or passing it to `track()` (a WeakRef in a set, for objects of classes you don't own).
 * Never holds a strong reference to a tracked object.
 */
import { requireSlowPath, sampleClock, stampNow, stamps } from './clock';
import { AnyClass, recordBirth, sitesWanted } from './births';
import { TrackrefError } from './errors';
import { AllocationSite, allocationSiteOf as siteInCurrentBook, captureSite, capturesAllSites, endSiteBook, setCaptureAll } from './allocation';

let readStamp: (obj: object) => number | undefined;

/** Returns the object it is given instead of a new one ("return override"), so a subclass can add a private field to it. */
class Identity {
  constructor(obj: object) {
    return obj;
  }
}

/**
 * Puts the stamp on an object as a private field (invisible to toEqual, JSON and util.inspect).
 * The field lives here rather than on ObjectRef because a base class with a field of its own is no
 * longer inlined into its subclasses' `super()` calls, which would double a construction's cost.
 */
class Stamp extends Identity {
  readonly #trackrefStamp: number;

  constructor(obj: object, seq: number) {
    super(obj);
    this.#trackrefStamp = seq;
  }

  static {
    readStamp = (obj) => (#trackrefStamp in obj ? obj.#trackrefStamp : undefined);
  }
}

/**
 * Extend it instead of nothing to have every instance tracked (Scrapy's `object_ref`). Costs one
 * counter increment and one private field per instance.
 */
export class ObjectRef {
  constructor() {
    const seq = ++stamps.seq;
    new Stamp(this, seq);
    if (stamps.slow || (seq & 0xffff) === 0) {
      stampSlowPath(this, new.target, seq);
    }
  }
}

function stampSlowPath(obj: ObjectRef, cls: AnyClass, seq: number): void {
  sampleClock(seq);
  if (stamps.slowPathUsers > 0) {
    recordBirth(obj, cls);
    if (sitesWanted()) captureSite(obj, cls);
  }
}

/** Objects passed to `track()`: their stamps, and weak references to enumerate them. */
let trackedStamps = new WeakMap<object, number>();
const trackedRefs = new Set<WeakRef<object>>();
/**
 * The most entries trackedStamps has held since it was made. V8 never shrinks a WeakMap's table
 * when its keys die, so after a burst (a million objects passed to `track()` between two full
 * collections) the table would stay megabytes large: once the live entries fall below an eighth of
 * that, the map is rebuilt from the live ones.
 */
let trackedHighWater = 0;
const REBUILD_ABOVE = 4096;
const trackedCleanup = new FinalizationRegistry<WeakRef<object>>((ref) => {
  trackedRefs.delete(ref);
  if (trackedHighWater > REBUILD_ABOVE && trackedRefs.size * 8 < trackedHighWater) rebuildTrackedStamps();
});

function rebuildTrackedStamps(): void {
  const fresh = new WeakMap<object, number>();
  for (const ref of trackedRefs) {
    const obj = ref.deref();
    const seq = obj === undefined ? undefined : trackedStamps.get(obj);
    if (seq !== undefined) fresh.set(obj!, seq);
  }
  trackedStamps = fresh;
  trackedHighWater = trackedRefs.size;
}

/** Classes of objects passed to `track()`, held weakly so a class can still be unloaded. */
const trackedClasses = new Set<WeakRef<AnyClass>>();
const trackedClassSeen = new WeakSet<AnyClass>();

/** Tracks one object of any class (e.g. a library's `Request`) and returns it. */
export function track<T extends object>(obj: T): T {
  if (!isObject(obj)) {
    throw new TrackrefError(
      `track() takes an object, but received ${describeValue(obj)}. ` +
        'Pass the object to track (e.g. track(new Request(url))); primitives cannot be tracked because they have no identity.',
    );
  }
  if (readStamp(obj) !== undefined || trackedStamps.has(obj)) {
    return obj;
  }
  const seq = stampNow();
  trackedStamps.set(obj, seq);
  const ref = new WeakRef(obj);
  trackedRefs.add(ref);
  if (trackedRefs.size > trackedHighWater) trackedHighWater = trackedRefs.size;
  trackedCleanup.register(obj, ref);
  const cls = classOf(obj);
  if (cls !== undefined && !trackedClassSeen.has(cls)) {
    trackedClassSeen.add(cls);
    trackedClasses.add(new WeakRef(cls));
  }
  if (stamps.slowPathUsers > 0) {
    if (cls !== undefined) recordBirth(obj, cls);
    if (sitesWanted()) captureSite(obj, track);
  }
  return obj;
}

/** The creation stamp of a tracked object, or undefined when it is not tracked. */
export function stampOf(obj: object): number | undefined {
  return readStamp(obj) ?? trackedStamps.get(obj);
}

/** Live objects passed to `track()` (a fresh array; drop it when done). */
export function trackedObjects(): object[] {
  const out: object[] = [];
  for (const ref of trackedRefs) {
    const obj = ref.deref();
    if (obj !== undefined) {
      out.push(obj);
    }
  }
  return out;
}

/** Classes that objects passed to `track()` belong to, while those classes are alive. */
export function trackedObjectClasses(): AnyClass[] {
  const out: AnyClass[] = [];
  for (const ref of trackedClasses) {
    const cls = ref.deref();
    if (cls === undefined) {
      trackedClasses.delete(ref);
    } else {
      out.push(cls);
    }
  }
  return out;
}

/**
 * What every object with no class at all is counted as: objects with a null prototype (or a chain
 * of prototypes that has no `constructor`). Named as util.inspect shows such objects. Never
 * instantiated; only a key for counts and a label for reports.
 */
export class NoClass {
  static {
    Object.defineProperty(this, 'name', { value: '[Object: null prototype]' });
  }
}

/**
 * The class an object is counted as: the nearest own `constructor` on its prototype chain
 * (`Function` for plain and arrow functions, `AsyncFunction` for async ones, the class for
 * instances), or `NoClass` when the chain has none. Undefined only when the prototype cannot be read
 * (a revoked Proxy).
 */
export function classOf(obj: object): AnyClass | undefined {
  let proto: unknown;
  try {
    proto = Object.getPrototypeOf(obj);
  } catch {
    return undefined;
  }
  return classOfPrototype(proto) ?? NoClass;
}

/** How far up a prototype chain a class is looked for (real chains are a few levels deep). */
const MAX_CHAIN = 64;

/**
 * The class a prototype belongs to: its own `constructor`, or the nearest one up its chain (a
 * function's prototype is a function; a derived class's prototype is its base class, which has no
 * own `constructor`). Undefined when the chain has none.
 */
export function classOfPrototype(proto: unknown): AnyClass | undefined {
  try {
    let current = proto;
    for (let depth = 0; depth < MAX_CHAIN && isObject(current); depth++) {
      if (Object.prototype.hasOwnProperty.call(current, 'constructor')) {
        const ctor: unknown = (current as { constructor: unknown }).constructor;
        if (typeof ctor === 'function') return ctor as AnyClass;
      }
      current = Object.getPrototypeOf(current);
    }
    return undefined;
  } catch {
    return undefined;
  }
}

/** True for values with an identity (objects and functions), which alone can be tracked. */
export function isObject(value: unknown): value is object {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}

/** A short description of a value of the wrong kind, for error messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
    return `the ${typeof value} ${String(value)}`;
  }
  if (typeof value === 'symbol') return `the symbol ${String(value)}`;
  if (typeof value === 'function') return `the function ${value.name || '(anonymous)'}`;
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  const cls = classOf(value);
  return cls === Object || cls === undefined || cls === NoClass ? 'a plain object' : `an instance of ${cls.name || '(anonymous class)'}`;
}

/**
 * Where a tracked object was created (`file:line:column` and the two source lines), when that was
 * recorded: while `captureAllocationSites(true)` is on, or while a check or guarded test that
 * created it is still running. Undefined otherwise.
 */
export function allocationSiteOf(obj: object): AllocationSite | undefined {
  if (!isObject(obj)) {
    throw new TrackrefError(
      `allocationSiteOf() takes a tracked object, but received ${describeValue(obj)}. ` +
        "Pass an instance, e.g. allocationSiteOf(getOldest('HtmlResponse')), after captureAllocationSites(true).",
    );
  }
  return siteInCurrentBook(obj);
}

/**
 * Turns on (or off) recording where every tracked object is created, for live debugging with
 * `allocationSiteOf()`. Leak checks and the guard record it for objects created during their runs
 * regardless. Costs a stack capture per tracked construction while on; turning it off drops the
 * sites recorded (unless a check or guarded test is running).
 */
export function captureAllocationSites(enabled = true): void {
  if (typeof enabled !== 'boolean') {
    throw new TrackrefError(
      `captureAllocationSites() takes true or false, but received ${describeValue(enabled)}. ` +
        'Pass true to record where every tracked object is created (read it with allocationSiteOf(obj)), false to stop.',
    );
  }
  if (enabled !== capturesAllSites()) {
    setCaptureAll(enabled);
    if (requireSlowPath(enabled ? 1 : -1) === 0) endSiteBook();
  }
}
