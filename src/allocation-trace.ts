/**
 * Allocation sites for objects no constructor hook can see (`Map`, `Promise`, functions, a class
 * whose constructor cannot be hooked): V8's allocation tracking (`HeapProfiler.startTrackingHeapObjects`
 * with `trackAllocations`) during a failing check's confirming run, read back from the heap snapshot
 * `explain` takes while it is still on (each node's `trace_node_id` into the trace tree). The trace
 * knows functions, not lines: a site is the declaration of the function that made the object (or
 * called the library that did), mapped through the runner's source maps when it formats stacks
 * through `Error.prepareStackTrace` (Jest, Vitest), and says so (`declaredIn`).
 *
 * Disconnecting any inspector session switches V8's tracking off, so while tracking is on every
 * query of trackref's goes through the one session that started it (heap-query's `lendSession`), and
 * the constructor hook's shared session is not disconnected until tracking stops (it was, after its
 * 1 s idle time, when a traced run under CPU load took longer: every trace lost).
 * V8 moves an object's trace with it only while the object has no heap snapshot id, and objects
 * get ids while tracking is on (the profiler's periodic heap statistics, any snapshot): a compacting
 * collection then loses the traces of the objects it moves (seen on Node 20: the leaked objects
 * untraced, at random; never with compaction off). So compaction is switched off (`--no-compact`,
 * process-wide) while tracking is on, and back on after.
 * V8 crashes the process (SIGSEGV in its allocation tracker, under the deoptimizer) when optimized
 * code whose escape analysis removed an allocation (a closure made and inlined) is deoptimized while
 * tracking is on: the deoptimizer makes the object then, and the tracker walks a stack in the middle
 * of being rebuilt (seen on Node 20: a failing check on Array killed a Vitest worker 3 runs in 9). So
 * escape analysis is switched off too while tracking is on (process-wide), all optimized code made
 * with it is thrown away before tracking starts, and tracking starts a macrotask later, once the
 * frames of that code that were on the stack have returned.
 * Never leaves tracking on after `stop()`; never runs for a passing check (fn is 2x to 30x slower while
 * tracking); stops with `HeapProfiler.disable`, never `stopTrackingHeapObjects` (a second snapshot).
 */
import * as inspector from 'node:inspector';
import { setFlagsFromString } from 'node:v8';
import { runInThisContext } from 'node:vm';
import { AllocationSite, siteOfStack } from './allocation';
import { nextMacrotask } from './gc';
import { lendSession, sessionLent } from './heap-query';
import { post } from './inspector-post';
import type { HeapGraph } from './snapshot/graph';

/** Allocation tracking while it is on; `stop()` switches it off (safe to call more than once). */
export interface AllocationTrace {
  stop(): void;
}

let active: AllocationTrace | undefined;

/**
 * Switches V8's allocation tracking on for this thread's isolate, or resolves to undefined when it
 * cannot be (no inspector in this Node, or tracking already on for another check).
 */
export async function startAllocationTrace(): Promise<AllocationTrace | undefined> {
  // Another copy of trackref in this thread (a vm pool's test file) may be tracking.
  if (active !== undefined || sessionLent()) return undefined;
  let session: inspector.Session | undefined;
  try {
    session = new inspector.Session();
    session.connect();
  } catch {
    return undefined;
  }
  const open = session;
  // Lent from here on, so that no other copy starts tracking during the wait below.
  lendSession(open);
  const flags = pauseFlags(FLAGS_OFF_WHILE_TRACKING);
  const trace: AllocationTrace = {
    stop() {
      if (active !== trace) return;
      active = undefined;
      lendSession(undefined);
      try {
        post(open, 'HeapProfiler.disable');
      } finally {
        open.disconnect();
        flags.resume();
      }
    },
  };
  active = trace;
  try {
    discardOptimizedCode(open);
    await nextMacrotask();
    post(open, 'HeapProfiler.enable');
    post(open, 'HeapProfiler.startTrackingHeapObjects', { trackAllocations: true });
  } catch {
    trace.stop();
    return undefined;
  }
  return trace;
}

/**
 * V8 flags switched off while allocations are tracked: compaction (it loses the traces of the
 * objects it moves) and the escape analyses (their deoptimizations crash the tracker). Maglev's has
 * its flag from V8 13 on (Node 24); setting a flag V8 does not know prints an error.
 */
const FLAGS_OFF_WHILE_TRACKING = ['compact', 'turbo-escape', ...(Number.parseInt(process.versions.v8, 10) >= 13 ? ['maglev-escape-analysis'] : [])];

/**
 * Switches the given V8 flags off until `resume()` (process-wide), leaving alone those Node was
 * started without.
 */
function pauseFlags(names: readonly string[]): { resume(): void } {
  const startArgs = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].map((arg) => arg.replace(/_/g, '-'));
  const paused: string[] = [];
  for (const name of names) {
    if (startArgs.includes(`--no-${name}`)) continue;
    try {
      setFlagsFromString(`--no-${name}`);
      paused.push(name);
    } catch {
      // Flags frozen (--freeze-flags-after-init): nothing switched, nothing to restore.
    }
  }
  return {
    resume() {
      for (const name of paused.splice(0)) {
        try {
          setFlagsFromString(`--${name}`);
        } catch {
          // Flags frozen meanwhile: nothing to restore that could be.
        }
      }
    },
  };
}

/**
 * Throws all of this isolate's optimized code away: a breakpoint on a built-in's entry makes V8
 * deoptimize everything (the built-in may be inlined anywhere); set and removed at once, so it never
 * pauses. Frames of that code on the stack are deoptimized when they are returned to.
 */
function discardOptimizedCode(session: inspector.Session): void {
  post(session, 'Debugger.enable');
  try {
    const { result } = post<{ result: { objectId?: string } }>(session, 'Runtime.evaluate', { expression: 'Math.hypot' });
    if (result.objectId === undefined) return;
    const { breakpointId } = post<{ breakpointId: string }>(session, 'Debugger.setBreakpointOnFunctionCall', { objectId: result.objectId });
    post(session, 'Debugger.removeBreakpoint', { breakpointId });
    post(session, 'Runtime.releaseObject', { objectId: result.objectId });
  } finally {
    post(session, 'Debugger.disable');
  }
}

/** One function of an allocation trace: where it is declared (1-based line and column). */
interface TraceFrame {
  fn: string;
  file: string;
  line: number;
  column: number;
}

/** The frames of a node's allocation trace, innermost first (empty when it was not traced). */
function traceFramesOf(graph: HeapGraph, node: number): TraceFrame[] {
  const trace = graph.trace;
  let traceNode = graph.traceNodeOf(node);
  if (trace === undefined || traceNode === 0) return [];
  const fields = trace.functionInfoFields;
  const width = fields.length;
  const nameAt = fields.indexOf('name');
  const scriptAt = fields.indexOf('script_name');
  const lineAt = fields.indexOf('line');
  const columnAt = fields.indexOf('column');
  const frames: TraceFrame[] = [];
  for (let depth = 0; traceNode > 0 && depth < 10_000; depth++) {
    const info = trace.functionOf[traceNode];
    if (info === undefined) break;
    const base = info * width;
    const file = graph.strings[trace.functionInfos[base + scriptAt]!] ?? '';
    const line = trace.functionInfos[base + lineAt]!;
    // Built-ins (`Map`, `Promise`) and the root have no script: the frames that called them are the site.
    if (file !== '' && line > 0) {
      frames.push({ fn: graph.strings[trace.functionInfos[base + nameAt]!] ?? '', file, line, column: trace.functionInfos[base + columnAt]! });
    }
    traceNode = trace.parentOf[traceNode] ?? 0;
  }
  return frames;
}

/**
 * The allocation site of a snapshot node from the allocation trace, or undefined when the node was
 * not traced (allocated while tracking was off).
 */
export function tracedSiteOf(graph: HeapGraph, node: number): AllocationSite | undefined {
  const frames = traceFramesOf(graph, node);
  if (frames.length === 0) return undefined;
  const lines = frames.map((frame) => `    at ${mapFrame(frame)}`);
  return siteOfStack(['Error', ...lines].join('\n'), true);
}

/**
 * A frame as the runner's stack formatting writes it: `fn (file:line:column)`, mapped through the
 * source maps it knows. One frame per call: formatters rename a frame from its caller's position.
 */
function mapFrame(frame: TraceFrame): string {
  const raw = `${frame.fn === '' ? '' : `${frame.fn} (`}${frame.file}:${frame.line}:${frame.column}${frame.fn === '' ? '' : ')'}`;
  // Node formats a stack with the realm's Error.prepareStackTrace, else the main context's (where
  // Jest installs its source-map-aware one while test files run in a vm context).
  const prepare: unknown = (Error as { prepareStackTrace?: unknown }).prepareStackTrace ?? mainContextError()?.prepareStackTrace;
  if (typeof prepare !== 'function') return raw;
  try {
    const error = new Error('trace');
    const text: unknown = (prepare as (error: Error, frames: CallSiteLike[]) => unknown).call(Error, error, [new CallSiteLike(frame)]);
    if (typeof text !== 'string') return raw;
    const at = /\n\s*at (.*)$/.exec(text);
    return at?.[1] ?? raw;
  } catch {
    return raw;
  }
}

let mainError: { prepareStackTrace?: unknown } | undefined;

/** The main context's `Error` (node:vm runs "this context" code there, whichever realm calls it). */
function mainContextError(): { prepareStackTrace?: unknown } | undefined {
  try {
    mainError ??= runInThisContext('Error') as { prepareStackTrace?: unknown };
  } catch {
    // Code generation from strings is disabled: only this realm's formatter is known.
  }
  return mainError;
}

/** A stand-in for V8's CallSite, with the methods stack formatters (source-map-support, Vite's) call. */
class CallSiteLike {
  readonly #frame: TraceFrame;

  constructor(frame: TraceFrame) {
    this.#frame = frame;
  }

  getFunctionName(): string | null {
    return this.#frame.fn === '' ? null : this.#frame.fn;
  }
  getFileName(): string {
    return this.#frame.file;
  }
  getScriptNameOrSourceURL(): string {
    return this.#frame.file;
  }
  getLineNumber(): number {
    return this.#frame.line;
  }
  getColumnNumber(): number {
    return this.#frame.column;
  }
  toString(): string {
    const { fn, file, line, column } = this.#frame;
    return fn === '' ? `${file}:${line}:${column}` : `${fn} (${file}:${line}:${column})`;
  }
}

/**
 * The rest of the CallSite methods, the same for every frame of a trace: a function's declaration,
 * run at the top level of its script (no receiver, no eval, no native code). On the prototype, where
 * formatters that clone a call site look for them.
 */
const CALL_SITE_CONSTANTS: Record<string, unknown> = {
  getThis: undefined,
  getTypeName: null,
  getFunction: undefined,
  getMethodName: null,
  getEvalOrigin: undefined,
  getScriptHash: '',
  getPosition: 0,
  getPromiseIndex: null,
  isToplevel: true,
  isEval: false,
  isNative: false,
  isConstructor: false,
  isAsync: false,
  isPromiseAll: false,
};
for (const [name, value] of Object.entries(CALL_SITE_CONSTANTS)) {
  Object.defineProperty(CallSiteLike.prototype, name, { value: () => value, configurable: true, writable: true });
}

/**
 * How much slower fn may run while allocations are tracked: each allocation walks the stack, so it
 * depends on how much fn allocates (measured 2x to 30x on Node 20 and 24 for a function making
 * 20,000 small objects a call).
 */
const TRACKING_SLOWDOWN = 20;
/** A traced confirming run is made only when its calls are expected to take at most this long in all. */
const TRACED_RUN_BUDGET_MS = 2_000;

type SiteRows = ReadonlyArray<{ leaking: boolean; oldest: ReadonlyArray<{ allocationSite?: unknown }> }>;

/** Whether some leaked instance of `rows` has no allocation site. */
export function lacksSites(rows: SiteRows): boolean {
  return rows.some((row) => row.leaking && row.oldest.some((instance) => instance.allocationSite === undefined));
}

/** Whether `runs` calls of `lastCallMs` each stay within the traced run's budget once slowed down by tracking. */
export function tracedRunAffordable(lastCallMs: number, runs: number): boolean {
  return lastCallMs * runs * TRACKING_SLOWDOWN <= TRACED_RUN_BUDGET_MS;
}

/**
 * Whether a failing check should run fn again with allocation tracking: some leaked instance it
 * reports has no allocation site, and `runs` calls of `lastCallMs` each stay within the budget once slowed down.
 */
export function wantsTracedRun(rows: SiteRows, lastCallMs: number, runs: number): boolean {
  return lacksSites(rows) && active === undefined && tracedRunAffordable(lastCallMs, runs);
}

/**
 * The `shown` instances a report lists, out of those a traced run explained: first those with an
 * allocation site in the user's code, then in a library or Node, then those with a retainer path
 * (untracked objects have no age to order them by).
 */
export function preferTraced<T extends { allocationSite?: { location: string }; retainerPath?: string }>(instances: readonly T[], shown: number): T[] {
  // A site in the user's code first, then one in a library or Node (the runner's own objects), then none.
  const rank = (instance: T): number => {
    const location = instance.allocationSite?.location;
    const site = location === undefined ? 4 : /(^|\/)node_modules\/|^node:/.test(location) ? 2 : 0;
    return site + (instance.retainerPath === undefined ? 1 : 0);
  };
  return instances
    .map((instance, index) => ({ instance, index }))
    .sort((a, b) => rank(a.instance) - rank(b.instance) || a.index - b.index)
    .slice(0, shown)
    .map(({ instance }) => instance);
}
