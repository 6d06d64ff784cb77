/**
 * Scrapy's trackref views over live tracked objects: `formatLiveRefs`, `printLiveRefs`/`prefs`,
 * `getOldest` and `iterAll`. Live objects are found when asked (a heap query for ObjectRef
 * subclasses, weak references for objects passed to track()), so tracking itself stays cheap.
 * Returns objects only to the caller; keeps none.
 */
import { AnyClass, extendsClass } from './births';
import { ageOf } from './clock';
import { TrackrefError } from './errors';
import { queryHeap } from './heap-query';
import { NoClass, ObjectRef, classOf, classOfPrototype, describeValue, stampOf, trackedObjects } from './object-ref';
import { ClassTarget, ignorePredicate, isClass, validateTargets } from './targets';

export interface LiveRefsOptions {
  /** A class (or array of classes, or class names) to leave out, with its subclasses. */
  ignore?: ClassTarget | readonly ClassTarget[];
}

/** Every live tracked object: ObjectRef instances and objects passed to track() (a fresh array from one heap query; drop it when done). */
export function liveTracked(): object[] {
  const found = queryHeap(ObjectRef).instances;
  for (const obj of trackedObjects()) found.push(obj);
  return found;
}

function parseIgnore(options: unknown): (cls: AnyClass) => boolean {
  if (options === undefined) return () => false;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TrackrefError(`Options must be an object like { ignore: Spider }, but they are ${describeValue(options)}.`);
  }
  const unknownKeys = Object.keys(options).filter((key) => key !== 'ignore');
  if (unknownKeys.length > 0) {
    throw new TrackrefError(`Unknown option ${unknownKeys.map((k) => `'${k}'`).join(', ')}; the only option is ignore (a class or an array of classes).`);
  }
  return ignorePredicate(validateTargets((options as LiveRefsOptions).ignore, 'ignore option') ?? []);
}

/** A report of live tracked objects per class, in Scrapy's shape. */
export function formatLiveRefs(options?: LiveRefsOptions): string {
  const isIgnored = parseIgnore(options);
  // Grouped by prototype (one map lookup per object); classes are looked up once per group.
  const groups = new Map<object | null, { count: number; oldestStamp: number }>();
  for (const obj of liveTracked()) {
    const proto = Object.getPrototypeOf(obj) as object | null;
    const stamp = stampOf(obj) ?? 0;
    const group = groups.get(proto);
    if (group === undefined) {
      groups.set(proto, { count: 1, oldestStamp: stamp });
    } else {
      group.count++;
      if (stamp < group.oldestStamp) group.oldestStamp = stamp;
    }
  }
  const byClass = new Map<AnyClass | undefined, { count: number; oldestStamp: number }>();
  for (const [proto, group] of groups) {
    // Objects with no class at all (a null prototype) are listed as util.inspect names them.
    const cls = classOfPrototype(proto) ?? NoClass;
    if (isIgnored(cls)) continue;
    const merged = byClass.get(cls);
    if (merged === undefined) byClass.set(cls, { ...group });
    else {
      merged.count += group.count;
      merged.oldestStamp = Math.min(merged.oldestStamp, group.oldestStamp);
    }
  }
  const lines = [...byClass]
    .map(([cls, group]) => ({ name: cls?.name || '(anonymous class)', ...group }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map(({ name, count, oldestStamp }) => `${name.padEnd(30)} ${String(count).padStart(6)}   oldest: ${Math.floor(ageOf(oldestStamp) / 1000)}s ago\n`);
  return `Live References\n\n${lines.join('')}`;
}

/** Prints `formatLiveRefs()` to the console. */
export function printLiveRefs(options?: LiveRefsOptions): void {
  console.log(formatLiveRefs(options));
}

/** Alias of `printLiveRefs`, as in Scrapy's telnet console. */
export const prefs = printLiveRefs;

function matcherFor(classNameOrClass: unknown, fnName: string): (cls: AnyClass | undefined) => boolean {
  if (typeof classNameOrClass === 'string' && classNameOrClass !== '') {
    return (cls) => cls?.name === classNameOrClass;
  }
  if (isClass(classNameOrClass)) {
    return (cls) => cls !== undefined && extendsClass(cls, classNameOrClass);
  }
  throw new TrackrefError(
    `${fnName}() takes a class name or a class, but received ${describeValue(classNameOrClass)}. ` +
      `Pass e.g. ${fnName}('HtmlResponse') or ${fnName}(HtmlResponse).`,
  );
}

/**
 * Live tracked objects of a class, oldest first: by name, objects whose class has exactly that name
 * (as in Scrapy); by class, objects of that class or its subclasses.
 */
export function iterAll<T extends object = object>(classNameOrClass: string | (abstract new (...args: never[]) => T)): IterableIterator<T> {
  const matches = matcherFor(classNameOrClass, 'iterAll');
  const found = liveTracked()
    .filter((obj) => matches(classOf(obj)))
    .map((obj) => ({ obj, stamp: stampOf(obj) ?? 0 }))
    .sort((a, b) => a.stamp - b.stamp)
    .map(({ obj }) => obj as T);
  return found[Symbol.iterator]();
}

/** The oldest live tracked object of a class (see `iterAll`), or undefined when there is none. */
export function getOldest<T extends object = object>(classNameOrClass: string | (abstract new (...args: never[]) => T)): T | undefined {
  const matches = matcherFor(classNameOrClass, 'getOldest');
  let oldest: object | undefined;
  let oldestStamp = Number.POSITIVE_INFINITY;
  for (const obj of liveTracked()) {
    const stamp = stampOf(obj) ?? 0;
    if (stamp < oldestStamp && matches(classOf(obj))) {
      oldest = obj;
      oldestStamp = stamp;
    }
  }
  return oldest as T | undefined;
}
