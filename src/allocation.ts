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
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

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
  const holder: { stack?: string } = {};
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = FRAMES;
  try {
    Error.captureStackTrace(holder, skipAbove);
    // Format now (through the runner's source-map-aware prepareStackTrace): V8's lazy stack would
    // otherwise hold every frame's receiver and function, keeping unrelated objects alive.
    const stack = holder.stack;
    if (typeof stack === 'string') currentSiteBook().set(obj, stack);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

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
}

const FRAME = /^\s*at (?:.*? \()?(.+?):(\d+):(\d+)\)?$/;

/** The allocation site of a tracked object, if one was captured (into `book`: by default the current one). */
export function allocationSiteOf(obj: object, book: SiteBook | undefined = current): AllocationSite | undefined {
  const stack = book?.get(obj);
  if (stack === undefined) return undefined;
  for (const frameLine of stack.split('\n').slice(1)) {
    const match = FRAME.exec(frameLine);
    if (match === null) continue;
    let file = match[1]!;
    if (file.startsWith('node:') || file.includes('/node_modules/trackref/') || file.includes('/trackref/dist/')) continue;
    if (file.startsWith('file://')) file = fileURLToPath(file);
    const line = Number(match[2]);
    const column = Number(match[3]);
    const shown = file.startsWith('/') ? relative(process.cwd(), file) : file;
    return { location: `${shown.startsWith('..') ? file : shown}:${line}:${column}`, file, line, column, excerpt: excerpt(file, line) };
  }
  return undefined;
}

function excerpt(file: string, line: number): string[] {
  try {
    const lines = readFileSync(file, 'utf8').split('\n');
    return [line - 1, line].filter((n) => n >= 1 && n <= lines.length).map((n) => `${String(n).padStart(5)} | ${lines[n - 1]!.trimEnd()}`);
  } catch {
    return [];
  }
}
