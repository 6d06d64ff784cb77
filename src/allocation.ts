/**
 * Allocation sites: where the `new` that made a tracked object was written. Captured (as a formatted
 * stack) for objects born while a leak check's measured runs or a guarded test execute, or for every
 * tracked object after `captureAllocationSites(true)` (live debugging). Stack formatting goes through
 * the realm's Error.prepareStackTrace, so runners that map stacks through source maps (Jest, Vitest)
 * report TypeScript lines. Sites are kept in a WeakMap: never keeps an object alive.
 *
 * The WeakMap is a "site book" that lasts only while something captures sites: V8 never shrinks a
 * WeakMap's table when its keys die, so one book for the whole process would keep, for good, a table
 * as large as the most objects any check ever had alive at once. A new book starts when capture
 * starts, and the module lets go of it when capture stops; a holder that reads sites later (the
 * guard, for a test it reports at the end of the file) keeps its own reference to the book.
 * A stack already formatted for the same frames (same file, line, column, function…) is reused, so a
 * site is formatted once per test file, not once per birth. Reading the frames sets this realm's
 * `Error.prepareStackTrace` for one capture and puts the previous value back (an own `undefined`
 * where there was none, which V8 and Node treat the same). Never keeps a frame's receiver or function.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { asyncOriginStack } from './async-origin';
import { type Frame, callSiteFile, callSitesOf, formattedStack, isLibraryFrame, isTrackrefFrame, isUserFile, parseFrame, stackText } from './stack-frames';

/** The allocation site is the first frame after the constructors; one more gives context for factories. */
const FRAMES = 2;
/** Formatted stacks (strings): an unformatted captured stack would keep its frames' receivers alive. */
export type SiteBook = WeakMap<object, string>;
/** The book sites are captured into while capture is on; undefined while it is off. */
let current: SiteBook | undefined;
let captureAll = false;

/** The book sites are being captured into now (a new one when capture has just started). */
export function currentSiteBook(): SiteBook {
  return (current ??= new WeakMap());
}

/** Capture has stopped (no check, guarded test or global capture is on): the book is dropped. */
export function endSiteBook(): void {
  current = undefined;
}

/** Captures where `obj` is being created; `skipAbove` is the outermost frame to leave out (the `new` target). */
export function captureSite(obj: object, skipAbove: Function): void {
  const stack = formattedStack(FRAMES, skipAbove);
  if (stack !== undefined) currentSiteBook().set(obj, stack);
}

/**
 * Frames kept for an object seen by a constructor hook: enough to pass the hook's own frames, the
 * constructor chain and a library's frames down to the user's code.
 */
const HOOKED_FRAMES = 40;
/** The debugger evaluating a breakpoint's condition (the hook runs inside it). */
const EVAL_FRAME = /^\s*at eval \(eval at /;
const CONSTRUCTOR_FRAME = /^\s*at new /;

/**
 * Captures where `obj` is being created, from inside a constructor hook: the frames above the
 * breakpoint's condition and the constructors being run are dropped, so the first frame left is the
 * `new` (in a library or in the user's code).
 */
export function captureHookedSite(obj: object): void {
  const stack = stackText(HOOKED_FRAMES, captureHookedSite);
  if (stack === undefined) return;
  const lines = stack.split('\n');
  recordFromFrame(obj, lines, lines.findIndex((line) => EVAL_FRAME.test(line)) + 1);
}

/**
 * Whether trackref's own code is making the promise whose init hook `hook` runs now (a check's
 * awaits: never counted). Reads V8's CallSites, unformatted (no source maps: this runs for every
 * promise made during a check on `Promise`), past the machinery that makes a promise: Node's
 * dispatcher of promise hooks (when async_hooks are on too) and V8's built-ins (no file).
 */
export function promiseMadeByTrackref(hook: Function): boolean {
  const sites = callSitesOf(MAKER_FRAMES, hook);
  if (sites === undefined) return false;
  for (const site of sites) {
    const file = callSiteFile(site);
    if (file === undefined || PROMISE_MACHINERY.test(file)) continue;
    return isTrackrefFrame(file);
  }
  return false;
}

/**
 * Records where the promise `obj` is being made, seen from inside V8's promise init hook `hook`:
 * the first frame kept is the code that made it (a `new Promise`, an async function, a `.then`).
 */
export function capturePromiseSite(obj: object, hook: Function): void {
  const stack = stackText(HOOKED_FRAMES, hook);
  if (stack === undefined) return;
  const lines = stack.split('\n');
  let first = 1;
  while (first < lines.length && PROMISE_FRAME.test(lines[first]!)) first++;
  recordFromFrame(obj, lines, first);
}

/** Frames enough to find the code that made a promise past the machinery making it. */
const MAKER_FRAMES = 6;
/** Files of Node's dispatchers of promise hooks. */
const PROMISE_MACHINERY = /^node:internal\/(?:promise_hooks|async_hooks)$/;
/** Formatted frames of the machinery that makes a promise: Node's dispatchers, V8's built-ins (`new Promise`, `Promise.race`, `.then`). */
const PROMISE_FRAME = /\(node:internal\/(?:promise_hooks|async_hooks)[.:]|\(<anonymous>\)$|^\s*at new Promise \(/;

/** Records `lines` (a stack: its header, then frames) as `obj`'s site from frame `first` on, past the constructors being run. */
function recordFromFrame(obj: object, lines: string[], first: number): void {
  while (first < lines.length && CONSTRUCTOR_FRAME.test(lines[first]!)) first++;
  // Keep the one constructor frame that made the object when nothing else is left.
  if (first >= lines.length) first = lines.length - 1;
  const own = [lines[0], ...lines.slice(first)];
  // Made in a callback (no frame of the user's code on the stack): where the user's code started
  // the async work it runs in, when that is known.
  const inUserCode = own.some((line) => {
    const frame = parseFrame(line);
    return frame !== undefined && isUserFile(frame.file);
  });
  const origin = inUserCode ? undefined : asyncOriginStack();
  if (origin !== undefined) own.push(ASYNC_ORIGIN, ...origin.split('\n').slice(1));
  currentSiteBook().set(obj, own.join('\n'));
}

/** In a recorded stack, the line after which the stack that started the async work follows. */
const ASYNC_ORIGIN = '--- async work started at ---';

export function capturesAllSites(): boolean {
  return captureAll;
}

/** Turns capture of allocation sites on or off for every tracked object (off by default). */
export function setCaptureAll(enabled: boolean): void {
  captureAll = enabled;
}

export interface AllocationSite {
  /** `file:line:column`, relative to the working directory when inside it. */
  location: string;
  file: string;
  line: number;
  column: number;
  /** The source line before the `new` and the line with it, when the file can be read. */
  excerpt: string[];
  /**
   * When the object was made inside a library (node_modules) or Node itself: that frame (`file:line:column`,
   * with its function), under the user's frame given as `location`.
   */
  via?: string;
  /**
   * Set when the site is known only to the function (from V8's allocation trace): the name of the
   * function declared at `location` that made the object (or called the library that did), not the
   * line of the `new`.
   */
  declaredIn?: string;
  /**
   * Set when no frame of the user's code was on the stack (a library's own loop or a timer made the
   * object): the site's function and up to `CALLERS_SHOWN` callers after it (`file:line:column (fn)`),
   * innermost first, so the report says which library work made it. With `asyncStart`: the callers
   * of `via`.
   */
  from?: string[];
  /**
   * Set when no frame of the user's code was on the stack but the object was made in a callback of
   * async work the user's code started (a request, a socket, a timer, a promise, followed through
   * async_hooks): `location` is the line that started it, `via` the frame that made the object.
   */
  asyncStart?: boolean;
}

/** Callers shown under a site that is not in the user's code. */
const CALLERS_SHOWN = 3;

function shownPath(file: string): string {
  const shown = file.startsWith('/') ? relative(process.cwd(), file) : file;
  return shown.startsWith('..') ? file : shown;
}

/**
 * The allocation site of a tracked object, if one was captured (into `book`: by default the current
 * one): the first frame in the user's code (not trackref's, a library's or Node's), with the
 * library frame that made the object under it when there is one.
 */
export function allocationSiteOf(obj: object, book: SiteBook | undefined = current): AllocationSite | undefined {
  const stack = book?.get(obj);
  return stack === undefined ? undefined : siteOfStack(stack);
}

/**
 * The allocation site a formatted stack (`Error` line, then `at` frames, innermost first) names: the
 * first frame in the user's code, with the library frame that made the object as `via`. `declared`:
 * the frames are functions' declarations (an allocation trace), not the lines being run.
 */
export function siteOfStack(stack: string, declared = false): AllocationSite | undefined {
  const [ownStack = '', originStack] = stack.split(`\n${ASYNC_ORIGIN}\n`);
  const framesOf = (lines: string[]): Frame[] => lines.map(parseFrame).filter((frame): frame is Frame => frame !== undefined && !isTrackrefFrame(frame.file));
  const frames = framesOf(ownStack.split('\n').slice(1));
  // From a trace, a class's constructor (declared at its `class` or `constructor` keyword) is not
  // where the object was made: the user's function that called it is, when the trace has one.
  if (declared) {
    const isOwnConstructor = (frame: Frame): boolean => !isLibraryFrame(frame.file) && CONSTRUCTOR_DECLARATION.test(sourceAt(frame));
    while (frames.length > 0 && isOwnConstructor(frames[0]!) && frames.slice(1).some((frame) => !isLibraryFrame(frame.file))) frames.shift();
  }
  const made = frames[0];
  // Made in a callback of async work the user's code started: that line, with the frame that made it.
  const started = originStack === undefined ? undefined : framesOf(originStack.split('\n')).find((frame) => !isLibraryFrame(frame.file));
  const user = frames.find((frame) => !isLibraryFrame(frame.file)) ?? started;
  // Made inside Node (`node:dgram`) for a package the user called (hot-shots opening its socket): the
  // package's frame, which the user can place, rather than Node's.
  const userIndex = user === undefined ? -1 : frames.indexOf(user);
  const packageFrame =
    made !== undefined && made.file.startsWith('node:') ? frames.slice(1, userIndex < 0 ? undefined : userIndex).find((frame) => frame.file.includes('/node_modules/')) : undefined;
  const library = packageFrame ?? (made !== undefined && made !== user && isLibraryFrame(made.file) ? made : undefined);
  // Only library frames were captured (a short stack): the library frame is the best site known.
  const site = user ?? frames.find((frame) => !frame.file.startsWith('node:')) ?? made;
  if (site === undefined) return undefined;
  const location = `${shownPath(site.file)}:${site.line}:${site.column}`;
  const via = library === undefined || library === site ? undefined : frameText(library);
  // Without a frame of the user's code on its own stack: the library's work that made it, as callers.
  const from =
    user === undefined
      ? frames.slice(frames.indexOf(site), frames.indexOf(site) + 1 + CALLERS_SHOWN).map(frameText)
      : user === started && library !== undefined
        ? frames.slice(1, 1 + CALLERS_SHOWN).map(frameText)
        : undefined;
  return {
    location,
    file: site.file,
    line: site.line,
    column: site.column,
    excerpt: site.file.startsWith('node:') ? [] : excerpt(site.file, site.line),
    ...(via === undefined ? {} : { via }),
    ...(declared ? { declaredIn: site.fn === '' ? '(anonymous function)' : site.fn } : {}),
    ...(from === undefined ? {} : { from }),
    ...(user !== undefined && user === started ? { asyncStart: true } : {}),
  };
}

/** A frame as the report shows it: `file:line:column (function)`. */
function frameText(frame: Frame): string {
  return `${shownPath(frame.file)}:${frame.line}:${frame.column}${frame.fn === '' ? '' : ` (${frame.fn})`}`;
}

/** Source text at a class's constructor's declaration. */
const CONSTRUCTOR_DECLARATION = /^(?:class\b|constructor\s*\()/;

/** The source text of `frame`'s file from its line and column on ('' when the file cannot be read). */
function sourceAt(frame: Frame): string {
  try {
    return (readFileSync(frame.file, 'utf8').split('\n')[frame.line - 1] ?? '').slice(frame.column - 1);
  } catch {
    return '';
  }
}

function excerpt(file: string, line: number): string[] {
  try {
    const lines = readFileSync(file, 'utf8').split('\n');
    return [line - 1, line].filter((n) => n >= 1 && n <= lines.length).map((n) => `${String(n).padStart(5)} | ${lines[n - 1]!.trimEnd()}`);
  } catch {
    return [];
  }
}
