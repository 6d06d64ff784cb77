/**
 * Reading the current stack: V8's CallSites unformatted (cheap, no source maps), or the stack
 * formatted through the realm's Error.prepareStackTrace (the runner's source-map-aware formatter),
 * cached by the frames' signature so that a loop at one line pays for formatting once; and telling
 * frames apart (trackref's own, a library's or Node's, the user's). Never keeps a CallSite, a frame's
 * receiver or its function past the call that read it: only strings leave this module.
 */
import { resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The current stack as text, at most `frames` deep, leaving out `skipAbove` and the frames above it.
 * Formatted now (through the runner's source-map-aware prepareStackTrace): V8's lazy stack would
 * otherwise hold every frame's receiver and function, keeping unrelated objects alive.
 */
export function stackText(frames: number, skipAbove: Function): string | undefined {
  const holder: { stack?: string } = {};
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = frames;
  try {
    Error.captureStackTrace(holder, skipAbove);
    return typeof holder.stack === 'string' ? holder.stack : undefined;
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * Sites already formatted, by the signature of their frames. Formatting goes through the runner's
 * source maps (under Jest, about 40 µs a stack): a loop of `new`s at one line would pay it for every
 * object. A signature holds everything a V8 CallSite tells a formatter except the receiver and the
 * function (strings only), so two births with one signature get the same text. This module is loaded
 * once per test file under Jest and Vitest, and so is the cache; it is emptied past its limit.
 */
const formattedSites = new Map<string, string>();
const FORMATTED_LIMIT = 2_048;

export interface CallSiteLike {
  getFileName(): unknown;
  getLineNumber(): unknown;
  getColumnNumber(): unknown;
  getFunctionName(): unknown;
  getMethodName(): unknown;
  getTypeName(): unknown;
  getEvalOrigin(): unknown;
  getScriptNameOrSourceURL(): unknown;
  isConstructor(): unknown;
  isNative(): unknown;
  isEval(): unknown;
  isAsync(): unknown;
  isToplevel(): unknown;
  isPromiseAll(): unknown;
  getPromiseIndex(): unknown;
}

const callSites = (_error: Error, sites: unknown): unknown => sites;

/** The current stack's V8 CallSites, at most `frames` deep, above `skipAbove`, without formatting them; undefined when they cannot be read. */
export function callSitesOf(frames: number, skipAbove: Function): CallSiteLike[] | undefined {
  const holder: { stack?: unknown } = {};
  const limit = Error.stackTraceLimit;
  const prepare = Error.prepareStackTrace;
  try {
    Error.stackTraceLimit = frames;
    // Only for this capture: an own formatter on this realm's Error comes before the runner's.
    Error.prepareStackTrace = callSites as typeof Error.prepareStackTrace;
    Error.captureStackTrace(holder, skipAbove);
    const sites = holder.stack;
    return Array.isArray(sites) ? (sites as CallSiteLike[]) : undefined;
  } catch {
    return undefined;
  } finally {
    Error.prepareStackTrace = prepare;
    Error.stackTraceLimit = limit;
  }
}

/**
 * The signature of the frames `stackText(frames, skipAbove)` would format, read from V8's CallSites
 * without formatting them; undefined when they cannot be read (then the stack is formatted).
 */
function stackSignature(frames: number, skipAbove: Function): string | undefined {
  const sites = callSitesOf(frames, skipAbove);
  return sites === undefined ? undefined : signatureOf(sites);
}

/** The signature of CallSites already read (see `stackSignature`); undefined when they cannot be read. */
function signatureOf(sites: readonly CallSiteLike[]): string | undefined {
  try {
    let signature = '';
    for (const site of sites) {
      signature +=
        `${site.getFileName()}\0${site.getLineNumber()}\0${site.getColumnNumber()}\0${site.getFunctionName()}\0${site.getMethodName()}\0` +
        `${site.getTypeName()}\0${site.getEvalOrigin()}\0${site.getScriptNameOrSourceURL()}\0${site.isConstructor()}${site.isNative()}` +
        `${site.isEval()}${site.isAsync()}${site.isToplevel()}${site.isPromiseAll()}${site.getPromiseIndex()}\n`;
    }
    return signature;
  } catch {
    return undefined;
  }
}

const FRAME = /^\s*at (?:(.*?) \()?(.+?):(\d+):(\d+)\)?$/;

/** trackref's own files (its dist/ folder), whose frames are never an allocation site. */
const OWN_DIST = resolve(__dirname, '..', '..');

export interface Frame {
  fn: string;
  file: string;
  line: number;
  column: number;
}

export function parseFrame(frameLine: string): Frame | undefined {
  const match = FRAME.exec(frameLine);
  if (match === null) return undefined;
  let file = match[2]!;
  let fn = match[1] ?? '';
  // An anonymous async frame: `at async /path/file.js:45:15` (a named one is `at async name (…)`).
  if (match[1] === undefined && file.startsWith('async ')) {
    file = file.slice('async '.length);
    fn = 'async';
  }
  if (file.startsWith('file://')) file = fileURLToPath(file);
  return { fn, file, line: Number(match[3]), column: Number(match[4]) };
}

export function isTrackrefFrame(file: string): boolean {
  return file.startsWith(OWN_DIST + sep) || file.includes('/node_modules/trackref/') || file.includes('/trackref/dist/');
}

/** A frame in a library or Node itself rather than the user's code (a library's WebAssembly too: undici's llhttp). */
export function isLibraryFrame(file: string): boolean {
  return file.startsWith('node:') || file.startsWith('wasm://') || file.includes('/node_modules/') || !file.includes('/');
}

/**
 * The current stack formatted, at most `frames` deep, above `skipAbove`: reused from `cache` (by
 * default the module's, which lasts as long as the module) when frames with the same signature were
 * formatted before. Undefined when it cannot be captured. `sites`: those frames' CallSites when the
 * caller has just read them (above the same `skipAbove`), so they are not read again.
 */
export function formattedStack(frames: number, skipAbove: Function, cache: Map<string, string> = formattedSites, sites?: readonly CallSiteLike[]): string | undefined {
  const signature = sites === undefined ? stackSignature(frames, skipAbove) : signatureOf(sites.slice(0, frames));
  let stack = signature === undefined ? undefined : cache.get(signature);
  if (stack !== undefined) return stack;
  stack = stackText(frames, skipAbove);
  if (stack !== undefined && signature !== undefined) {
    if (cache.size >= FORMATTED_LIMIT) cache.clear();
    cache.set(signature, stack);
  }
  return stack;
}

/** A CallSite's file as a path (ESM frames give file:// URLs); undefined for frames without one. */
export function callSiteFile(site: CallSiteLike): string | undefined {
  const file = site.getFileName();
  if (typeof file !== 'string') return undefined;
  return file.startsWith('file://') ? fileURLToPath(file) : file;
}

/** A file of the user's code: not trackref's, a library's or Node's own. */
export function isUserFile(file: string): boolean {
  return !isTrackrefFrame(file) && !isLibraryFrame(file);
}
