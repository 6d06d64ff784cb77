/**
 * Validates and resolves what a leak check counts: targets (a class, a class name, an array of them,
 * or nothing for every tracked class), `ignore` lists and numeric options. Every rejection says what
 * to pass instead. Holds classes (to resolve names) only through weak references.
 */
import { AnyClass, extendsClass } from './births';
import { TrackrefError } from './errors';
import { queryHeap } from './heap-query';
import { NoClass, ObjectRef, classOf, describeValue, trackedObjectClasses } from './object-ref';

/** A class (any class, tracked or not) or the name of a tracked class. */
export type ClassTarget = AnyClass | string;
export type ClassTargets = ClassTarget | readonly ClassTarget[];

export interface LeakCheckOptions {
  /** Calls of `fn` before the baseline, absorbing one-time allocations (default 1). */
  warmup?: number;
  /** Measured calls of `fn` (default 1). */
  runs?: number;
  /** How many more live instances per class are still not a leak (default 0). */
  tolerance?: number;
  /** Classes (or names) whose instances, and their subclasses', are never counted. */
  ignore?: ClassTargets;
  /** Milliseconds each call of `fn` may take before the check fails (default 4000). */
  timeout?: number;
  /**
   * When a class counts as leaking (default 'any'): 'any' — its live count grew by more than
   * `tolerance` in all; 'every-run' — it also grew on every one of the `runs` (needs runs >= 2), so a
   * bounded cache that fills up and then stops growing is not a leak.
   */
  growth?: GrowthRule;
  /**
   * Find the retainer path of each reported instance when a class leaks (default true): one heap
   * snapshot, taken only on failure. false skips it; the report keeps counts, ages, previews and
   * allocation sites (for soak runs, or heaps so large that a snapshot is too slow).
   */
  paths?: boolean;
}

/** See `LeakCheckOptions.growth`. */
export type GrowthRule = 'any' | 'every-run';

export interface ParsedOptions {
  warmup: number;
  runs: number;
  tolerance: number;
  timeout: number;
  ignore: ClassTarget[];
  growth: GrowthRule;
  paths: boolean;
}

const DEFAULTS = { warmup: 1, runs: 1, tolerance: 0, timeout: 4000, paths: true } as const;
const OPTION_KEYS = ['warmup', 'runs', 'tolerance', 'ignore', 'timeout', 'growth', 'paths'] as const;
const GROWTH_RULES: readonly GrowthRule[] = ['any', 'every-run'];
/** The longest delay setTimeout honours; longer ones fire after 1 ms. `Infinity` means no limit. */
export const MAX_TIMEOUT_MS = 2_147_483_647;

/** A class counted by a check: a label for the report and the classes whose instances count. */
export interface ResolvedTarget {
  label: string;
  cls: AnyClass;
  /** Every instance passes through ObjectRef's constructor, so births can be counted. */
  stamped: boolean;
  /**
   * Only objects passed to track() whose class is exactly `cls` count: set for the names 'Object'
   * and 'Function' (tracked object literals and functions, never every object or function in the
   * process) and for objects with no class (`[Object: null prototype]`).
   */
  trackedOnly: boolean;
}

export function isClass(value: unknown): value is AnyClass {
  return typeof value === 'function' && typeof (value as { prototype?: unknown }).prototype === 'object';
}

/** `Object` or `Function` of any realm: the roots every object or function descends from. */
function countsEverything(value: unknown): value is Function {
  if (typeof value !== 'function') return false;
  const prototype: unknown = (value as { prototype?: unknown }).prototype;
  if (value.name === 'Object') return typeof prototype === 'object' && prototype !== null && Object.getPrototypeOf(prototype) === null;
  return value.name === 'Function' && typeof prototype === 'function' && Object.getPrototypeOf(Object.getPrototypeOf(prototype)) === null;
}

const TARGET_HELP =
  'Pass a class (toLeak(HtmlResponse)), a tracked class name (toLeak(\'HtmlResponse\')), ' +
  'an array of them (toLeak([Request, HtmlResponse])), or nothing for every tracked class (toLeak(), or toLeak({ runs: 3 }) with options).';
const IGNORE_HELP =
  'Pass a class (ignore: Spider), a class name (ignore: \'Spider\') or an array of them (ignore: [Spider, \'Scheduler\']); ' +
  'an empty array or leaving the option out ignores nothing.';

/**
 * Classes whose values are primitives: a check counts objects, so it would only ever see wrapper
 * objects (`new String('x')`), never the values the user means.
 */
const PRIMITIVE_CLASSES = new Set<unknown>([String, Number, Boolean, Symbol, BigInt]);

/** True for an object literal (or `Object.create(null)`): in a matcher's first argument, options. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === null || proto === Object.prototype || classOf(value) === Object;
}

/** Why a target element cannot be counted, and what to pass instead; undefined when it can be. */
function rejectTarget(item: unknown, where: string, inArray: boolean): string | undefined {
  if (item === undefined || item === null) {
    const cause =
      item === undefined
        ? 'usually an import or a variable that does not hold the class, e.g. a misspelt or missing export'
        : 'e.g. the .constructor of an object whose class shadows it, or of an object made with Object.create(null)';
    return (
      `The target${where} is ${String(item)}, so there is no class to count: ${cause}. ` +
      'Pass the class itself (toLeak(HtmlResponse)) or its name (toLeak(\'HtmlResponse\')). ' +
      (inArray ? '' : 'To check every tracked class, write toLeak() with no argument, or toLeak({ runs: 3 }) to pass options too.')
    ).trimEnd();
  }
  if (PRIMITIVE_CLASSES.has(item)) {
    const name = (item as Function).name;
    return (
      `toLeak(${name}) cannot be counted: ${name.toLowerCase()} values are primitives, with no identity to outlive anything, ` +
      `and only ${name} wrapper objects would be counted. Pass the class of the objects that hold them (toLeak(HtmlResponse)).`
    );
  }
  if (isClass(item) || (typeof item === 'string' && item.trim() !== '')) return undefined;
  let advice = TARGET_HELP;
  if (typeof item === 'function') {
    advice = `A function without a prototype (an arrow function, a method or a bound function) has no instances to count. ${TARGET_HELP}`;
  } else if (!inArray && isPlainObject(item)) {
    advice = `${TARGET_HELP} Options without a target: toLeak({ runs: 3 }) in a matcher, checkLeaks(fn, undefined, { runs: 3 }) in code.`;
  } else if (typeof item === 'object' && !Array.isArray(item)) {
    const cls = classOf(item);
    if (cls !== undefined && cls !== Object && cls !== NoClass && cls.name) {
      advice = `Pass its class instead: toLeak(${cls.name}).`;
    }
  }
  return `The target${where} must be a class or a class name, but it is ${describeValue(item)}. ${advice}`;
}

/**
 * Checks the shape of a target list, or of an `ignore` list (`'ignore option'`: an empty array
 * ignores nothing), without resolving names. `undefined` (the whole target left out) means every
 * tracked class; inside an array, or as an ignore element, it is an error.
 */
export function validateTargets(target: unknown, what: 'target' | 'ignore option' = 'target'): ClassTarget[] | undefined {
  if (target === undefined) return undefined;
  const help = what === 'target' ? TARGET_HELP : IGNORE_HELP;
  const list: unknown[] = Array.isArray(target) ? target : [target];
  if (what === 'target' && Array.isArray(target) && list.length === 0) {
    throw new TrackrefError(`The ${what} list is empty. ${help}`);
  }
  return list.map((item, index) => {
    const where = Array.isArray(target) ? ` (element ${index})` : '';
    if (what === 'target' && countsEverything(item)) {
      const kind = item.name === 'Object' ? 'object' : 'function';
      throw new TrackrefError(
        `toLeak(${item.name}) would count every ${kind} in the process, the test runner's and trackref's own among them, ` +
          'so no verdict on it can be trusted. Pass the class of the objects you expect to leak (toLeak(HtmlResponse)); ' +
          `for ${kind === 'object' ? 'object literals or a library\'s objects' : 'functions'}, pass them to track() where they are made and check them with ` +
          `toLeak('${item.name}') (tracked ${kind === 'object' ? 'object literals' : 'functions'}) or toLeak() (every tracked class).`,
      );
    }
    if (what === 'target') {
      const rejection = rejectTarget(item, where, Array.isArray(target));
      if (rejection !== undefined) throw new TrackrefError(rejection);
      return item as ClassTarget;
    }
    if (isClass(item)) return item;
    if (typeof item === 'string' && item.trim() !== '') return item;
    throw new TrackrefError(`The ${what}${where} must be a class or a class name, but it is ${describeValue(item)}. ${help}`);
  });
}

/** What a matcher call asked for: the target (undefined: every tracked class) and the options. */
export interface MatcherArguments {
  target: unknown;
  options: unknown;
  /** How the expected arguments are shown in the matcher hint: `HtmlResponse`, `HtmlResponse, options`, `options` or nothing. */
  label: string;
}

/**
 * Reads `toLeak`'s arguments as the user wrote them (`args` without the received value), telling
 * no argument (every tracked class) from an explicit `undefined` (a mistake: rejected). A plain
 * object alone is options for every tracked class: `toLeak({ runs: 3 })`.
 */
export function matcherArguments(args: readonly unknown[]): MatcherArguments {
  if (args.length === 0) return { target: undefined, options: undefined, label: '' };
  const [first, second] = args;
  if (isPlainObject(first)) {
    if (args.length > 1 && second !== undefined) {
      throw new TrackrefError(
        `toLeak() got an object (options) and then ${describeValue(second)}. ` +
          'Pass a target first and options second (toLeak(HtmlResponse, { runs: 3 })), or options alone for every tracked class (toLeak({ runs: 3 })).',
      );
    }
    return { target: undefined, options: first, label: 'options' };
  }
  if (args.length > 2) {
    throw new TrackrefError(
      `toLeak() takes at most a target and options, but got ${args.length} arguments. ` +
        'Pass several classes as one array: toLeak([Request, HtmlResponse], { runs: 3 }).',
    );
  }
  const rejection = first === undefined || first === null ? rejectTarget(first, '', false) : undefined;
  if (rejection !== undefined) throw new TrackrefError(rejection);
  return { target: first, options: second, label: `${targetLabel(first)}${second === undefined ? '' : ', options'}` };
}

function countOption(options: Record<string, unknown>, key: 'warmup' | 'runs' | 'tolerance', min: number): number {
  const value = options[key];
  if (value === undefined) return DEFAULTS[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new TrackrefError(
      `Option ${key} must be a whole number ${min === 0 ? '>= 0' : `>= ${min}`}, but it is ${describeValue(value)}. ` +
        `Pass e.g. { ${key}: ${DEFAULTS[key] === 0 && min === 0 ? 0 : Math.max(min, DEFAULTS[key])} } (default ${DEFAULTS[key]}).`,
    );
  }
  return value;
}

export function parseOptions(options: unknown): ParsedOptions {
  if (options === undefined) {
    return { ...DEFAULTS, ignore: [], growth: 'any' };
  }
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    // A second class where the options go (`toLeak(Map, Set)`): several targets go in one array.
    const several = typeof options === 'function' ? ` To check several classes, pass them as one array: toLeak([A, ${options.name || 'B'}]).` : '';
    throw new TrackrefError(`Options must be an object like { runs: 3, tolerance: 0 }, but they are ${describeValue(options)}.${several}`);
  }
  const record = options as Record<string, unknown>;
  const unknownKeys = Object.keys(record).filter((key) => !(OPTION_KEYS as readonly string[]).includes(key));
  if (unknownKeys.length > 0) {
    throw new TrackrefError(
      `Unknown option${unknownKeys.length > 1 ? 's' : ''} ${unknownKeys.map((k) => `'${k}'`).join(', ')}. ` +
        `Valid options are ${OPTION_KEYS.join(', ')}.`,
    );
  }
  const timeout = record.timeout ?? DEFAULTS.timeout;
  if (typeof timeout !== 'number' || !(timeout > 0)) {
    throw new TrackrefError(`Option timeout must be a positive number of milliseconds, but it is ${describeValue(timeout)}. Pass e.g. { timeout: 10000 }, or { timeout: Infinity } for no limit.`);
  }
  if (timeout > MAX_TIMEOUT_MS && timeout !== Infinity) {
    throw new TrackrefError(
      `Option timeout must be at most ${MAX_TIMEOUT_MS} ms (about 24.8 days, the longest timer Node keeps), but it is ${describeValue(timeout)}. ` +
        'Pass { timeout: Infinity } for no limit.',
    );
  }
  const runs = countOption(record, 'runs', 1);
  return {
    warmup: countOption(record, 'warmup', 0),
    runs,
    tolerance: countOption(record, 'tolerance', 0),
    timeout,
    ignore: validateTargets(record.ignore, 'ignore option') ?? [],
    growth: growthOption(record.growth, runs),
    paths: pathsOption(record.paths),
  };
}

function pathsOption(value: unknown): boolean {
  if (value === undefined) return DEFAULTS.paths;
  if (typeof value !== 'boolean') {
    throw new TrackrefError(
      `Option paths must be true (the default: find each leaked instance's retainer path) or false (skip the heap snapshot), ` +
        `but it is ${describeValue(value)}. Pass e.g. { paths: false }.`,
    );
  }
  return value;
}

function growthOption(value: unknown, runs: number): GrowthRule {
  if (value === undefined) return 'any';
  if (!(GROWTH_RULES as readonly unknown[]).includes(value)) {
    throw new TrackrefError(
      `Option growth must be 'any' (the default: a class leaks when it grew by more than the tolerance) or 'every-run' ` +
        `(it leaks only when it also grew on every run, so a cache that fills up and stops is not a leak), but it is ${describeValue(value)}. ` +
        `Pass e.g. { runs: 3, growth: 'every-run' }.`,
    );
  }
  if (value === 'every-run' && runs < 2) {
    throw new TrackrefError(
      `Option growth: 'every-run' compares the live count after each run, so it needs runs >= 2, but runs is ${runs}. ` +
        `Pass e.g. { runs: 3, growth: 'every-run' }.`,
    );
  }
  return value as GrowthRule;
}

/** True when a per-run growth series rose on every run (from 0 before the first run). */
export function grewEveryRun(perRun: readonly number[]): boolean {
  let previous = 0;
  for (const growth of perRun) {
    if (!(growth > previous)) return false;
    previous = growth;
  }
  return perRun.length > 0;
}

/** Classes known by name: ObjectRef subclasses (found on the heap) and classes passed to track(). */
function classesNamed(name: string): AnyClass[] {
  const matches = knownClasses().filter((cls) => cls.name === name);
  return matches;
}

/** Every class that is tracked: ObjectRef and its subclasses, and classes of objects passed to track(). */
export function knownClasses(): AnyClass[] {
  const classes = new Set<AnyClass>([ObjectRef, ...queryHeap(ObjectRef).subclasses, ...trackedObjectClasses()]);
  return [...classes];
}

export function resolveClass(target: ClassTarget, what: string): AnyClass[] {
  if (typeof target !== 'string') return [target];
  const found = classesNamed(target);
  if (found.length === 0) {
    const names = [...new Set(knownClasses().map((cls) => cls.name))].filter(Boolean).sort();
    throw new TrackrefError(
      `No tracked class is named '${target}' (${what}). ` +
        (names.length > 0 ? `Tracked classes: ${names.join(', ')}. ` : 'No class extends ObjectRef or was passed to track() yet. ') +
        'Pass the class itself (any class works), or the name of a class that extends ObjectRef or whose objects were passed to track().',
    );
  }
  return found;
}

export function resolveTargets(targets: ClassTarget[]): ResolvedTarget[] {
  const resolved: ResolvedTarget[] = [];
  for (const target of targets) {
    for (const cls of resolveClass(target, 'target')) {
      // Object, Function and NoClass stand for every object (or none in particular): only tracked ones count.
      resolved.push({ label: cls.name || '(anonymous class)', cls, stamped: extendsClass(cls, ObjectRef), trackedOnly: countsEverything(cls) || cls === NoClass });
    }
  }
  return resolved;
}

/** A predicate telling whether a class is ignored (it or a base class is in the list). */
export function ignorePredicate(ignore: ClassTarget[]): (cls: AnyClass) => boolean {
  if (ignore.length === 0) return () => false;
  const classes = ignore.flatMap((item) => resolveClass(item, 'ignore option'));
  return (cls) => classes.some((base) => extendsClass(cls, base));
}

/**
 * Like `ignorePredicate`, but names are matched against each class's own chain of base classes
 * instead of being resolved up front, so a name need not exist (a guard's `ignore` list is shared by
 * test files that load different classes) and no heap scan is needed. Answers are cached per class.
 */
export function chainIgnorePredicate(ignore: ClassTarget[]): (cls: AnyClass) => boolean {
  if (ignore.length === 0) return () => false;
  const names = new Set(ignore.filter((item): item is string => typeof item === 'string'));
  const classes = new Set(ignore.filter((item): item is AnyClass => typeof item !== 'string'));
  const cache = new WeakMap<AnyClass, boolean>();
  return (cls) => {
    const known = cache.get(cls);
    if (known !== undefined) return known;
    let ignored = false;
    for (let c: unknown = cls; typeof c === 'function' && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
      if (classes.has(c as AnyClass) || names.has((c as { name: string }).name)) {
        ignored = true;
        break;
      }
    }
    cache.set(cls, ignored);
    return ignored;
  };
}

/** The label of a target list as the user wrote it, for the matcher hint. */
export function targetLabel(target: unknown): string {
  if (target === undefined) return '';
  const one = (item: unknown): string => (typeof item === 'string' ? `'${item}'` : isClass(item) ? item.name || '(anonymous class)' : describeValue(item));
  return Array.isArray(target) ? `[${target.map(one).join(', ')}]` : one(target);
}

export { classOf };
