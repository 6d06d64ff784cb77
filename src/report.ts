/**
 * The leak report: the data a check measured and its text form, the same for `checkLeaks().format()`
 * and the matcher's failure message. Formatting is pure; colours come from the runner's matcher
 * utilities through a `ReportStyle` (plain text by default). Holds previews and numbers, never objects.
 */
import type { LibrarySlot } from './library-slot';

export interface LeakedInstance {
  className: string;
  /** Milliseconds since the instance was created (never under-reported). */
  ageMs: number;
  /** False when the class is not tracked and the age is only bounded by when the measured runs began. */
  ageExact: boolean;
  /** One line made with util.inspect. */
  preview: string;
  /** The shortest path from a GC root, as the user would write it (e.g. `scheduler.queue[0].meta.referer`). */
  retainerPath?: string;
  /** When \`retainerPath\` goes through a holder of the user's code and not the shortest way: the shortest path, from a runtime holder (an open socket…). */
  alsoHeldBy?: string;
  /** The path's steps from its first named variable, with tracked objects' ages. */
  retainerSteps?: RetainerStepNote[];
  /** Where the instance was created (for objects born during the measured runs). */
  allocationSite?: {
    location: string;
    excerpt: string[];
    via?: string;
    /**
     * Set when only the function that made the instance is known (V8's allocation trace, for objects
     * without a JavaScript constructor): its name; `location` is where it is declared, not the `new`.
     */
    declaredIn?: string;
    /** No frame of the user's code was on the stack: the site (as `location`, with its function) and its callers (`file:line:column (fn)`), innermost first. */
    from?: string[];
    /** No frame of the user's code was on the stack: `location` is the line that started the async work (a request, a socket, a timer, a promise) in whose callback `via` made it. */
    asyncStart?: boolean;
  };
  /** What the instance keeps alive, itself included (given for the first instance of a report). */
  retained?: { bytes: number; objects: number };
  /** When a library's module variable holds it in a slot of one value (library-slot.ts). */
  librarySlot?: LibrarySlot;
  /** A line about its holder printed under \`held by\` (e.g. the guard's library-slot rule, bounded-retention.ts). */
  holderNote?: string;
  /**
   * When the shown path starts at no timer: in how many milliseconds the pending timeouts that reach
   * the instance by another way are due (their callbacks may let it go, as a TTL cache's purge timers
   * do); only timeouts made during the check are read.
   */
  reachingTimeouts?: number[];
  /** Why \`retainerPath\` was not looked up, and how to get it (e.g. the guard's limit per test file). */
  whyNoRetainerPath?: string;
}

/**
 * What kind of holder a step of a retainer path is, and whether it lets go of what it holds by itself
 * (`selfReleasing`): a pending timer releases its callback when it fires, an idle keep-alive socket
 * when it closes. Data for the check's rules; the report shows it as each step's reason.
 */
export type RetainerHolder =
  | { kind: 'module-variable'; file?: string; selfReleasing: false }
  | { kind: 'module-exports'; file: string; selfReleasing: false }
  | { kind: 'global'; selfReleasing: false }
  | { kind: 'class-static'; selfReleasing: false }
  | { kind: 'weakmap-value'; selfReleasing: false }
  /**
   * A Node timer: a timeout releases its callback when it fires (`dueInMs` from now), an interval
   * never. `rearmed`: set while trackref waited for it, so it was set again when it fired (a timer
   * that re-arms itself holds what it holds until it is cleared).
   */
  | { kind: 'timer'; repeat: boolean; delayMs?: number; dueInMs?: number; rearmed?: boolean; selfReleasing: boolean }
  /** An AbortSignal Node keeps alive until it aborts (`AbortSignal.timeout()`, `AbortSignal.any()` with listeners); a timeout signal's delay when found. */
  | { kind: 'abort-signal'; timeout: boolean; delayMs?: number; selfReleasing: true }
  /**
   * A listener list entry of an EventEmitter or an EventTarget (AbortSignal…): held until removed.
   * `ownerListens`: an object the listener holds holds the emitter itself (a pool listening to its own client).
   */
  | { kind: 'listener'; emitter: 'EventEmitter' | 'EventTarget'; event: string; ownerListens?: true; selfReleasing: false }
  /**
   * A keep-alive socket in an http.Agent's free list: released when it closes (keep-alive timeout).
   * `ownAgentLeaked`: the leaked object is the agent whose free list holds it (an agent made per
   * request), reached through the agent's own listeners on the socket, which go with the socket.
   * `undici`: an idle connection of an undici `Client` (fetch's, or an undici Agent's or Pool's: no
   * request queued, an undici timer pending on it, the keep-alive timeout), which undici closes itself.
   */
  | { kind: 'idle-socket'; ownAgentLeaked?: true; undici?: true; selfReleasing: true }
  /** An AsyncLocalStorage store carried by an async resource (a timer, a socket): released with it. */
  | { kind: 'async-context'; selfReleasing: boolean }
  /** A pending read of a web stream (`reader.read()` not yet answered): held until data comes, or the stream ends or is cancelled. */
  | { kind: 'stream-read'; selfReleasing: false }
  /**
   * An HTTP request in flight (in an undici client's queue, fetch's; or Node's http client's): held
   * until its response ends or it is aborted. `awaitingResponse`: a Node `ClientRequest` whose
   * response has not begun (a fire-and-forget request, waited for: see self-release.ts), unlike one
   * whose response has come and is never read.
   */
  | { kind: 'http-request'; awaitingResponse?: true; selfReleasing: false }
  /** A reaction (`then` callback or an `await`) of a promise: held until the promise settles. */
  | { kind: 'promise-reaction'; selfReleasing: false }
  /** A running worker thread (`node:worker_threads` Worker, a pool's): held until it exits or is terminated. */
  | { kind: 'worker'; selfReleasing: false }
  /** A listening server (`net`/`http`/`https` Server): holds its listeners, and what they hold, until it is closed. */
  | { kind: 'server'; selfReleasing: false };

export interface RetainerStepNote {
  /** The accessor this step adds (`.meta`, `[12]`, `SomenastySpider.history`). */
  text: string;
  /** The class (or V8 kind) of the object reached. */
  className: string;
  /** For tracked objects: created during the measured runs (true) or before them (false). */
  createdDuringRuns?: boolean;
  ageMs?: number;
  /** The holder this step is, when recognised. */
  holder?: RetainerHolder;
  /**
   * LeakCanary's "Leaking: NO / YES / UNKNOWN" for the object reached: expected to live (a module
   * variable, a global, a pool, a pending timer, an object older than the runs), leaking (created
   * during the runs and still alive, the leaked instance) or unknown.
   */
  leaking?: 'no' | 'yes' | 'unknown';
  /** Why, in a few words (e.g. `module variable of crawl.js`, `pending timer, fires in 29.6 s`). */
  reason?: string;
  /** True on the one reference most likely to be the bug (between the last "no" and the first "yes"). */
  suspect?: boolean;
  /**
   * On a first step only: a library's own timer, open handle, listening server or module variable,
   * from which the path runs through library code alone (see own-timer.ts): left running by the user
   * (the release method never called), it is the suspect.
   */
  keptByLibrary?: true;
}

export interface LeakRow {
  /** The target class (or, when every tracked class is checked, each concrete class). */
  className: string;
  /** Live instances at the baseline; undefined when the check passed on birth counting alone. */
  before?: number;
  /** Live instances after the runs; undefined when the check passed on birth counting alone. */
  after?: number;
  /** Growth: after − before (or, without heap counts, instances born during the runs still alive). */
  leaked: number;
  /** Growth after each run, when runs > 1. */
  perRun?: number[];
  /**
   * Set when older instances (alive before the runs) were freed during them, by something else than
   * fn, while new ones kept surviving every round: `leaked` then counts the new instances, and this
   * how many older ones were freed meanwhile (the count alone grew by `leaked − freedMeanwhile`).
   */
  freedMeanwhile?: number;
  /**
   * For a leaking class of a check with runs: 1 (when counting was cheap): its growth after the
   * measured run and after each of a few extra runs made after the verdict, to tell a pool or cache
   * that filled up (+1 → +1 → +1) from a leak that grows on every run (+1 → +2 → +3).
   */
  moreRuns?: number[];
  /** True when `leaked` is above the tolerance. */
  leaking: boolean;
  /** The oldest surviving instances created during the runs (only for leaking classes). */
  oldest: LeakedInstance[];
}

/** Leaking instances counted in `rows`. */
export function leakedCount(rows: readonly LeakRow[]): number {
  return rows.filter((row) => row.leaking).reduce((sum, row) => sum + row.leaked, 0);
}

/** See `LeakReportData.selfRelease`. */
export interface SelfRelease {
  waitedMs: number;
  /** What was waited for, in words. */
  holders: string[];
  released: boolean;
  /** Instances alive when the wait began and after it (when some were let go and the rest were explained again). */
  counts?: { before: number; after: number };
  /** Some of what is still held is held by a timer that was set again when it fired (see the timer holder's `rearmed`). */
  rearmed?: boolean;
}

export interface MemorySample {
  heapUsed: number;
  rss: number;
}

export interface ReportStyle {
  received(text: string): string;
  expected(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

export interface FormatOptions {
  /** Format as the failure of `.not.toLeak` (true, the default) or of the positive `.toLeak` (false). */
  isNot?: boolean;
  /** The first line; defaults to a plain `expect(fn).not.toLeak(...)` hint. */
  hint?: string;
  style?: ReportStyle;
}

export interface LeakReportData {
  leaked: boolean;
  /** The targets as written, e.g. `[Request, HtmlResponse]` (empty for every tracked class). */
  target: string;
  rows: LeakRow[];
  warmup: number;
  /** Measured runs asked for (the \`runs\` option). */
  runs: number;
  /**
   * Runs the heap counts (before → after) span, when the heap decided: \`runs\`, or two to four times
   * that when counting births suspected a leak and the first set of runs showed no growth on the heap.
   */
  heapRuns?: number;
  tolerance: number;
  /**
   * How the verdict was reached: 'births' (tracked objects born during the runs and still alive,
   * counted without scanning the heap; used when that proves nothing leaked) or 'heap' (live
   * instances counted on the heap before and after the runs).
   */
  counting: 'births' | 'heap';
  /** How many times `fn` was called in all: warm-up, birth counting and (when needed) heap counting. */
  calls: number;
  /**
   * Set when the leaked instances were held only by holders that let go by themselves (a timeout due
   * soon, an idle keep-alive socket…) and the check waited for them: how long, for what, and whether
   * they let go (then the check passed).
   */
  selfRelease?: SelfRelease;
  /**
   * Set when a failing check ran fn again with V8's allocation tracking, for the allocation sites of
   * objects no constructor hook sees: how many calls (of `calls`), and whether the counts shown are
   * those runs' (they leaked too) or the first ones' (they did not: no sites from them).
   */
  traced?: { runs: number; reported: boolean };
  /**
   * Set when the heap first showed growth held only by the links V8 keeps between promises while a
   * debugger is enabled (made while trackref's constructor hooks had it enabled), and the check
   * judged again without hooks: how many calls (of `calls`) that first heap pass made.
   */
  hookedRuns?: number;
  /**
   * Set when some leaked instance has no allocation site and the traced run that would give it was
   * not made because fn is too slow for it (`lastCallMs`: the last call's duration).
   */
  noTracedRun?: { lastCallMs: number };
  /** Of `calls`, those made after a failing verdict to see whether the count keeps growing (see LeakRow.moreRuns). */
  extraCalls?: number;
  /**
   * Work that only adds to a failing report (more runs, a traced run, the retainer paths), skipped
   * because the test's timeout would have cut it short: what, how long the test had left then, and
   * (`moreMs`, when known) how much longer the test's timeout would need to be.
   */
  skippedForTime?: { parts: string[]; remainingMs: number; moreMs?: number };
  /** Set when the report comes from the per-test guard rather than a check of `fn`. */
  guard?: { test: string };
  /** How long the check took, in milliseconds. */
  durationMs: number;
  memory: { before: MemorySample; after: MemorySample };
}

export interface LeakReport extends LeakReportData {
  format(options?: FormatOptions): string;
}

const PLAIN: ReportStyle = { received: (s) => s, expected: (s) => s, dim: (s) => s, bold: (s) => s };
const MB = 1024 * 1024;

export function createReport(data: LeakReportData): LeakReport {
  alignStepAges(data.rows);
  return { ...data, format: (options) => formatReport(data, options) };
}

/**
 * Makes the ages in a retainer trace agree with the instance's own: a trace's ages are taken when
 * its heap snapshot is (for the guard, possibly seconds after the instance's, behind other tests'
 * snapshots). The trace's last step is the leaked instance itself, so the difference of its two ages
 * is the shift for every step of that trace.
 */
function alignStepAges(rows: readonly LeakRow[]): void {
  for (const row of rows) {
    for (const instance of row.oldest) {
      const steps = instance.retainerSteps;
      const last = steps?.[steps.length - 1];
      if (steps === undefined || last?.ageMs === undefined || !instance.ageExact) continue;
      const shift = last.ageMs - instance.ageMs;
      if (shift === 0) continue;
      for (const step of steps) {
        if (step.ageMs !== undefined) step.ageMs = Math.max(0, step.ageMs - shift);
      }
    }
  }
}

/** Records on each reported instance without a retainer path why none was looked up (\`reason\`). */
export function noteNoRetainerPaths(rows: readonly LeakRow[], reason: string): void {
  for (const row of rows) {
    for (const instance of row.oldest) {
      if (instance.retainerPath === undefined) instance.whyNoRetainerPath = reason;
    }
  }
}

/** Runs shown at the start and at the end of a long growth series (the middle is cut). */
const SERIES_HEAD = 3;
const SERIES_TAIL = 3;

/** A row's growth after each run, from 0: `0 → +1 → +2`; a long series keeps its first and last runs. */
function growthSeries(perRun: readonly number[]): string {
  const values = perRun.map(signed);
  if (values.length <= SERIES_HEAD + SERIES_TAIL + 2) return ['0', ...values].join(' → ');
  return `${['0', ...values.slice(0, SERIES_HEAD), '…', ...values.slice(-SERIES_TAIL)].join(' → ')} (${perRun.length} runs)`;
}

export function formatAge(ms: number, exact = true): string {
  const seconds = ms / 1000;
  const text = seconds < 10 ? `${seconds.toFixed(1)}s ago` : `${Math.floor(seconds)}s ago`;
  return exact ? text : `≤ ${text}`;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n);
}

function megabytes(bytes: number): string {
  return `${(bytes / MB).toFixed(1)} MB`;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < MB) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / MB).toFixed(1)} MB`;
}

function memoryDelta(before: number, after: number): string {
  const delta = after - before;
  return `${megabytes(before)} → ${megabytes(after)} (${delta >= 0 ? '+' : '−'}${megabytes(Math.abs(delta))})`;
}

/** Lays out rows of cells in aligned columns (first column left-aligned, numbers right-aligned). */
function table(header: string[], rows: string[][], style: ReportStyle, colour: (row: number, col: number, text: string) => string): string[] {
  const widths = header.map((h, col) => Math.max(h.length, ...rows.map((r) => (r[col] ?? '').length)));
  const line = (cells: string[], paint: (col: number, text: string) => string): string =>
    '  ' +
    cells
      .map((cell, col) => {
        const padded = col === 0 || col === cells.length - 1 ? cell.padEnd(widths[col]!) : cell.padStart(widths[col]!);
        return paint(col, padded);
      })
      .join('  ')
      .trimEnd();
  return [line(header, (_c, t) => style.dim(t)), ...rows.map((r, i) => line(r, (c, t) => colour(i, c, t)))];
}

/**
 * "3 runs", or, when the heap counted more runs than were asked for, why:
 * "2 runs (1 asked for, and 1 more because ...)".
 */
function runsText(data: LeakReportData): string {
  const counted = data.heapRuns ?? data.runs;
  if (counted <= data.runs) return plural(counted, 'run');
  return (
    `${plural(counted, 'run')} (${data.runs} asked for, and ${counted - data.runs} more: counting births suspected a leak ` +
    `that the first ${data.runs === 1 ? 'run' : `${data.runs} runs`} on the heap did not show)`
  );
}

/**
 * How a leaking class's count moved on the extra runs after the verdict, and what that suggests: a
 * count that grew once and then stayed is a pool or cache that filled up.
 */
function growthOnMoreRuns(row: LeakRow, series: number[], data: LeakReportData, style: ReportStyle): string[] {
  const moves = series.map(signed).join(' → ');
  const head = `  ${style.bold(row.className)} on ${plural(series.length - 1, 'more run')}: ${moves}`;
  const stayed = series.every((n) => n === series[0]);
  if (stayed) {
    const targetText = data.target === '' ? `'${row.className}'` : data.target;
    const warmUp = data.warmup === 0 ? `, or warm up first: toLeak(${targetText}, { warmup: 1 })` : '';
    return [
      `${head}. It grew by ${series[0]} once, then stayed: this looks like a pool or cache that filled up, not a leak that grows.`,
      style.dim(`  If that is expected, check it with toLeak(${targetText}, { runs: 3, growth: 'every-run' })${warmUp}.`),
    ];
  }
  const grows = series.every((n, i) => i === 0 || n > series[i - 1]!);
  if (grows) return [`${head}: it grows on every run.`];
  // Fell on a run: instances made before were freed meanwhile (undici's idle sockets closing after
  // 4 s, a timer), and the count no longer says what the runs keep.
  if (series.some((n, i) => i > 0 && n < series[i - 1]!)) {
    return [
      `${head}. It fell on a run: instances made earlier were freed meanwhile (a timer firing, idle sockets closing), so these counts do not tell whether it keeps growing; the verdict stands on the measured runs.`,
    ];
  }
  return [`${head}.`];
}

export function formatReport(data: LeakReportData, options: FormatOptions = {}): string {
  const style = options.style ?? PLAIN;
  const isNot = options.isNot ?? true;
  const hint = options.hint ?? `expect(fn)${isNot ? '.not' : ''}.toLeak(${data.target})`;
  const lines: string[] = [hint, ''];
  const leaking = data.rows.filter((row) => row.leaking);
  const tolerance = data.tolerance > 0 ? ` (tolerance ${data.tolerance})` : '';
  if (data.guard !== undefined) {
    const names = leaking.map((row) => style.bold(row.className)).join(', ');
    lines.push(`Objects of ${names} created during the test "${data.guard.test}" are still alive after it ended and garbage was collected.`);
  } else if (isNot || data.leaked) {
    const names = leaking.map((row) => style.bold(row.className)).join(', ');
    lines.push(
      leaking.length > 0
        ? `Expected no new live instances after ${runsText(data)} and garbage collection${tolerance}, but ${names} grew.`
        : `No class grew after ${runsText(data)} and garbage collection${tolerance}.`,
    );
  } else {
    lines.push(`Expected fn to leak ${data.target || 'a tracked class'}, but nothing grew by more than ${data.tolerance} after ${runsText(data)} and garbage collection.`);
  }
  lines.push('');
  // Growth per run only where it was measured (never a column of bare zeros).
  const showRuns = data.rows.some((row) => row.perRun !== undefined && row.perRun.length > 0);
  const header = ['class', 'before', 'after', 'leaked', ...(showRuns ? ['growth per run'] : []), 'oldest leaked'];
  const cells = data.rows.map((row) => [
    row.className,
    row.before === undefined ? '—' : String(row.before),
    row.after === undefined ? '—' : String(row.after),
    signed(row.leaked),
    ...(showRuns ? [row.perRun === undefined ? '' : growthSeries(row.perRun)] : []),
    row.oldest[0] ? formatAge(row.oldest[0].ageMs, row.oldest[0].ageExact) : '',
  ]);
  lines.push(
    ...table(header, cells, style, (rowIndex, col, text) =>
      data.rows[rowIndex]!.leaking && col === 3 ? style.received(text) : text,
    ),
  );
  if (data.rows.some((row) => row.before === undefined)) {
    lines.push(style.dim('  (— : not counted; births during the runs were enough to decide)'));
  }
  if (data.selfRelease !== undefined) {
    const { waitedMs, holders, released, counts } = data.selfRelease;
    const waited = `${(waitedMs / 1000).toFixed(1)} s`;
    const partly =
      counts !== undefined && counts.after < counts.before
        ? `${counts.before - counts.after} of ${counts.before} let go, ${counts.after} still held (shown below as held after the wait).`
        : 'still held.';
    lines.push(
      '',
      released
        ? `  The new instances were held only by ${holders.join(', ')}; they were let go within ${waited}: not a leak.`
        : `  Waited ${waited} for what lets go by itself (${holders.join('; ')}): ${partly}` +
            (data.selfRelease.rearmed === true ? ' The timer was set again when it fired: it re-arms itself, and holds them until it is cleared.' : ''),
    );
  }
  if (data.skippedForTime !== undefined) {
    const { parts, remainingMs, moreMs } = data.skippedForTime;
    const longer =
      moreMs === undefined
        ? 'A longer test timeout gives them.'
        : `A test timeout ${Math.ceil(moreMs / 1000)} s longer or more gives them (Jest and Vitest: test(name, fn, ms), or testTimeout in the config).`;
    lines.push('', style.dim(`  Skipped, with ${(remainingMs / 1000).toFixed(1)} s left before the test's timeout: ${parts.join('; ')}. ${longer}`));
  }
  for (const row of leaking) {
    if (row.moreRuns !== undefined && row.moreRuns.length > 1) lines.push('', ...growthOnMoreRuns(row, row.moreRuns, data, style));
    if (row.freedMeanwhile !== undefined) {
      lines.push(
        '',
        `  ${style.bold(row.className)}: ${plural(row.leaked, 'new instance')} survived every round of runs, while ${plural(row.freedMeanwhile, 'older instance')} (alive before the runs) ${row.freedMeanwhile === 1 ? 'was' : 'were'} freed meanwhile by something else:`,
        `  the count alone changed by ${signed(row.leaked - row.freedMeanwhile)}, so the new instances are counted instead.`,
      );
    }
  }
  for (const row of leaking) {
    if (row.oldest.length === 0) continue;
    lines.push('', `Oldest leaked ${style.bold(row.className)} (${row.oldest.length} of ${row.leaked}):`);
    row.oldest.forEach((instance, index) => {
      const indent = ' '.repeat(12);
      lines.push(`  ${formatAge(instance.ageMs, instance.ageExact).padEnd(10)}  ${instance.preview}`);
      if (instance.retainerPath !== undefined) lines.push(`${indent}held by  ${style.received(instance.retainerPath)}`);
      if (instance.alsoHeldBy !== undefined) lines.push(style.dim(`${' '.repeat(7)}also held by  ${instance.alsoHeldBy}`));
      if (instance.holderNote !== undefined) lines.push(style.dim(`${indent}         ${instance.holderNote}`));
      if (instance.retained !== undefined) {
        lines.push(`${indent}retains  ${formatBytes(instance.retained.bytes)} in ${instance.retained.objects.toLocaleString('en-US')} object${instance.retained.objects === 1 ? '' : 's'}`);
      }
      if (instance.allocationSite !== undefined) {
        const site = instance.allocationSite;
        const { declaredIn } = site;
        const which = declaredIn === undefined || declaredIn.startsWith('(') ? 'the function' : `${declaredIn}()`;
        const inFunction = declaredIn === undefined ? '' : style.dim(`  in ${which} declared here (allocation tracking gives the function, not the line)`);
        // Made with no frame of the user's code on the stack: the site with its function (or, for work
        // the user's code started, that line), then the library's callers.
        const asyncStart = site.asyncStart === true;
        const [made, ...callers] = asyncStart ? [site.location, ...(site.from ?? [])] : (site.from ?? [site.location]);
        lines.push(`${indent}made at  ${made}${inFunction}`);
        if (index === 0) lines.push(...site.excerpt.map((line) => style.dim(`${indent}         ${line}`)));
        if (site.via !== undefined) lines.push(style.dim(`${indent}    via  ${site.via}`));
        if (index === 0 && (site.from !== undefined || asyncStart)) {
          lines.push(...callers.map((frame) => style.dim(`${indent}   from  ${frame}`)));
          const why = asyncStart
            ? 'made later, in a callback of the async work this line started: no frame of your code was on the stack'
            : "no frame of your code was on the stack: the library's own work made it";
          lines.push(style.dim(`${indent}         (${why})`));
        }
      }
    });
    const whyNot = row.oldest.find((instance) => instance.whyNoRetainerPath !== undefined)?.whyNoRetainerPath;
    if (whyNot !== undefined) lines.push(style.dim(`  Retainer path ${whyNot}.`));
    const steps = row.oldest[0]?.retainerSteps;
    if (steps !== undefined && steps.length > 0) {
      // LeakCanary's trace: each object reached, expected to live ("no"), leaking ("yes") or unknown
      // ("?"), why, and the reference most likely to be the bug.
      lines.push('', style.dim(`  How the oldest is held (leaking? no = expected to live, yes = created during the measured runs):`));
      const width = Math.max(...steps.map((step) => step.text.length));
      const classWidth = Math.max(...steps.map((step) => step.className.length));
      steps.forEach((step, i) => {
        const verdict = step.leaking === undefined ? '' : step.leaking === 'unknown' ? '?' : step.leaking;
        const when = step.createdDuringRuns === undefined ? '' : `${step.createdDuringRuns ? 'new' : 'existed before'}, ${formatAge(step.ageMs ?? 0)}`;
        const why = [when, step.createdDuringRuns === undefined && i < steps.length - 1 ? step.reason ?? '' : ''].filter((part) => part !== '').join(', ');
        const marks = [step.suspect === true ? '← suspect reference' : '', i === steps.length - 1 ? '← leaked' : ''].filter((mark) => mark !== '').join('  ');
        const text = step.suspect === true ? style.received(step.text.padEnd(width)) : step.text.padEnd(width);
        lines.push(`    ${text}  ${step.className.padEnd(classWidth)}  ${verdict.padEnd(3)}  ${why}${why === '' || marks === '' ? '' : '  '}${marks}`.trimEnd());
      });
    }
  }
  if (data.noTracedRun !== undefined) {
    lines.push(
      '',
      style.dim(
        `  No \`made at\` for objects without a JavaScript constructor: their sites come from running fn again with V8's allocation tracking, ` +
          `not done here because a call of fn took ${Math.round(data.noTracedRun.lastCallMs)} ms (tracked, about 20 times as long). Fewer runs or a quicker fn gets them.`,
      ),
    );
  }
  const { before, after } = data.memory;
  if (data.guard === undefined) {
    const extra = data.extraCalls ?? 0;
    const traced = data.traced;
    const hooked = data.hookedRuns ?? 0;
    const measuredCalls = data.calls - data.warmup - extra - (traced?.runs ?? 0) - hooked;
    const heapRuns = data.heapRuns ?? data.runs;
    const rejudged =
      hooked > 0
        ? `${hooked} on the heap with constructor hooks (what grew was held only by V8's debugger links between promises), then `
        : '';
    const counts = (mine: boolean): string => (mine ? ' (the counts above)' : '');
    const phases =
      (data.counting === 'heap' && measuredCalls > heapRuns
        ? `${data.warmup} warm-up, ${measuredCalls - heapRuns} counted by births, then ${rejudged}${heapRuns} measured on the heap${hooked > 0 ? ' without hooks' : ''}${counts(traced?.reported !== true)}`
        : `${data.warmup} warm-up, ${measuredCalls} measured${counts(traced?.reported === false)}`) +
      (traced === undefined
        ? ''
        : `, then ${traced.runs} again with V8's allocation tracking, for allocation sites${traced.reported ? ' (the counts above)' : ' (they did not leak: no sites from them)'}`) +
      (extra > 0 ? `, then ${extra} more after the verdict` : '');
    lines.push('', style.dim(`fn was called ${plural(data.calls, 'time')}: ${phases}.`));
    lines.push(style.dim(`Memory after collection: heap used ${memoryDelta(before.heapUsed, after.heapUsed)}, RSS ${memoryDelta(before.rss, after.rss)}`));
  } else {
    lines.push('', style.dim(`Memory from the test's start to after collection: heap used ${memoryDelta(before.heapUsed, after.heapUsed)}, RSS ${memoryDelta(before.rss, after.rss)}`));
  }
  return lines.join('\n');
}
