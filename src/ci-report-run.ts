/**
 * The reporter side of the CI report, shared by the Jest and Vitest reporters: gives the run's
 * workers a parts directory of its own (through TRACKREF_REPORT_PARTS, inherited by workers started
 * after the reporter), then merges every worker's part into one JSON report and a short summary of
 * the leaking tests. Runs in the runner's main process; never loads test code.
 */
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { TrackrefError } from './errors';
import { describeValue } from './object-ref';
import { LeakEntry, PARTS_ENV, REPORT_ENV, ReportPart, SkipEntry } from './ci-report';

/** Options of the trackref reporters. */
export interface CiReporterOptions {
  /** Where to write the JSON report (default: the TRACKREF_REPORT environment variable; none if unset). */
  outputFile?: string;
  /** Print the end-of-run summary (default true). */
  summary?: boolean;
}

/** The merged JSON report. */
export interface CiReport {
  trackref: 1;
  createdAt: string;
  runner: 'jest' | 'vitest';
  shard: { index: number; count: number } | null;
  /** How many workers wrote a part. */
  workers: number;
  /** Tests that passed and were checked by the guard. */
  checked: number;
  /** Tests that leaked (each appears once here, and once per leaked class in `leaks`). */
  leakingTests: Array<{ test: string; file: string }>;
  leaks: LeakEntry[];
  /** Tests that passed but were not checked, and why (allowLeaks, concurrency). */
  skipped: SkipEntry[];
}

export interface FinishedRun {
  report: CiReport;
  /** The JSON file written, if any. */
  file: string | undefined;
  /** The end-of-run summary, in plain text. */
  summary: string;
}

export function parseReporterOptions(options: unknown, where: string): CiReporterOptions {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new TrackrefError(`${where} takes options like { outputFile: 'reports/leaks.json' }, but received ${describeValue(options)}.`);
  }
  const record = options as Record<string, unknown>;
  const unknownKeys = Object.keys(record).filter((key) => key !== 'outputFile' && key !== 'summary');
  if (unknownKeys.length > 0) {
    throw new TrackrefError(`Unknown option${unknownKeys.length > 1 ? 's' : ''} ${unknownKeys.map((k) => `'${k}'`).join(', ')} for ${where}. Valid options are outputFile (a path) and summary (true or false).`);
  }
  if (record.outputFile !== undefined && (typeof record.outputFile !== 'string' || record.outputFile === '')) {
    throw new TrackrefError(`${where}: outputFile must be a file path, e.g. { outputFile: 'reports/leaks.json' }, but it is ${describeValue(record.outputFile)}.`);
  }
  if (record.summary !== undefined && typeof record.summary !== 'boolean') {
    throw new TrackrefError(`${where}: summary must be true or false, but it is ${describeValue(record.summary)}.`);
  }
  return {
    ...(record.outputFile === undefined ? {} : { outputFile: record.outputFile as string }),
    ...(record.summary === undefined ? {} : { summary: record.summary as boolean }),
  };
}

/** One reporter's view of the run: where its workers write, and how their parts are merged. */
export class CiReportRun {
  readonly outputFile: string | undefined;
  readonly partsDir: string;
  readonly printSummary: boolean;

  constructor(options: CiReporterOptions) {
    const output = options.outputFile ?? process.env[REPORT_ENV];
    this.outputFile = output === undefined || output === '' ? undefined : resolve(output);
    const runId = `run-${process.pid}-${Date.now().toString(36)}`;
    this.partsDir = this.outputFile === undefined ? join(tmpdir(), `trackref-${runId}`) : join(`${this.outputFile}.parts`, runId);
    this.printSummary = options.summary ?? true;
    // Workers (processes and threads) start after the reporters and inherit this.
    process.env[PARTS_ENV] = this.partsDir;
  }

  /** Merges the workers' parts, writes the JSON report (when a file was asked for) and removes the parts. */
  finish(runner: 'jest' | 'vitest', shard: { index: number; count: number } | undefined): FinishedRun {
    const parts = readParts(this.partsDir);
    const leaks = parts.flatMap((part) => part.leaks).sort(byPlace);
    const skipped = parts.flatMap((part) => part.skipped).sort(byPlace);
    const leakingTests: Array<{ test: string; file: string }> = [];
    const seen = new Set<string>();
    for (const leak of leaks) {
      const key = `${leak.file}\u0000${leak.test}`;
      if (!seen.has(key)) {
        seen.add(key);
        leakingTests.push({ test: leak.test, file: leak.file });
      }
    }
    const report: CiReport = {
      trackref: 1,
      createdAt: new Date().toISOString(),
      runner,
      shard: shard !== undefined && shard.count > 1 ? shard : null,
      workers: parts.length,
      checked: parts.reduce((sum, part) => sum + part.checked, 0),
      leakingTests,
      leaks,
      skipped,
    };
    let file: string | undefined;
    if (this.outputFile !== undefined) {
      file = report.shard === null ? this.outputFile : shardFile(this.outputFile, report.shard);
      mkdirSync(dirname(file), { recursive: true });
      const temp = `${file}.${process.pid}.tmp`;
      writeFileSync(temp, `${JSON.stringify(report, null, 2)}\n`);
      renameSync(temp, file);
    }
    rmSync(this.partsDir, { recursive: true, force: true });
    if (this.outputFile !== undefined) {
      try {
        rmdirSync(`${this.outputFile}.parts`);
      } catch {
        // Not empty: another run (a concurrent shard) still uses it.
      }
    }
    return { report, file, summary: formatSummary(report, file) };
  }
}

function byPlace(a: { file: string; test: string }, b: { file: string; test: string }): number {
  return a.file.localeCompare(b.file) || a.test.localeCompare(b.test);
}

/** `leaks.json` → `leaks.shard-2-of-3.json`, so shards sharing a directory never overwrite each other. */
export function shardFile(file: string, shard: { index: number; count: number }): string {
  const ext = extname(file);
  return join(dirname(file), `${basename(file, ext)}.shard-${shard.index}-of-${shard.count}${ext}`);
}

function readParts(dir: string): ReportPart[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.json'));
  } catch {
    return [];
  }
  const parts: ReportPart[] = [];
  for (const name of names.sort()) {
    try {
      const part = JSON.parse(readFileSync(join(dir, name), 'utf8')) as ReportPart;
      if (part.trackref === 1) parts.push(part);
    } catch {
      // A part that cannot be read is skipped, not fatal: the tests themselves already failed or passed.
    }
  }
  return parts;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** The end-of-run summary: leaking tests by file, each with its classes and how the oldest is held. */
export function formatSummary(report: CiReport, file: string | undefined): string {
  const lines: string[] = [];
  const tail = file === undefined ? '' : ` Report: ${file}`;
  if (report.workers === 0) {
    return `trackref leak guard: no test was checked (turn the guard on: see "Leak guard" in the trackref README).${tail}`;
  }
  if (report.leakingTests.length === 0) {
    lines.push(`trackref leak guard: ${plural(report.checked, 'test')} checked, none leaked.`);
  } else {
    lines.push(`trackref leak guard: ${plural(report.leakingTests.length, 'test')} of ${report.checked} leaked:`);
    let currentFile: string | undefined;
    for (const { test, file: testFile } of report.leakingTests) {
      if (testFile !== currentFile) {
        currentFile = testFile;
        lines.push(`  ${testFile}`);
      }
      const classes = report.leaks
        .filter((leak) => leak.file === testFile && leak.test === test)
        .map((leak) => `${leak.class} +${leak.count}${leak.retainerPath === null ? '' : ` (held by ${leak.retainerPath})`}`);
      lines.push(`    ${test}: ${classes.join(', ')}`);
    }
  }
  const unexplained = report.leaks.filter((leak) => leak.retainerPath === null && leak.whyNoRetainerPath !== null && leak.whyNoRetainerPath !== undefined);
  if (unexplained.length > 0) {
    lines.push(`  ${plural(unexplained.length, 'leak')} without a retainer path (${unexplained[0]!.whyNoRetainerPath}).`);
  }
  if (report.skipped.length > 0) {
    lines.push(`  ${plural(report.skipped.length, 'passing test')} not checked (allowLeaks or concurrent tests).`);
  }
  if (file !== undefined) lines.push(`  Report: ${file}`);
  return lines.join('\n');
}
