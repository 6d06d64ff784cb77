/**
 * The worker side of the CI report: what the leak guard found in this process (leaks, tests checked,
 * tests not checked and why), written as one JSON file per worker into a parts directory, so parallel
 * workers and shards never write the same file. The directory comes from TRACKREF_REPORT_PARTS (set
 * by the trackref reporters for their run) or `<TRACKREF_REPORT>.parts`. Does nothing when neither is
 * set. Writes numbers and strings only, never objects.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { performance } from 'node:perf_hooks';
import { threadId } from 'node:worker_threads';
import type { LeakRow } from './report';

/** The JSON report's path (the trackref reporters merge the workers' parts into it). */
export const REPORT_ENV = 'TRACKREF_REPORT';
/** Where workers write their parts; set by the trackref reporters for the run they report. */
export const PARTS_ENV = 'TRACKREF_REPORT_PARTS';

/** One class that a test leaked. */
export interface LeakEntry {
  /** The test's full name, `describe > test`. */
  test: string;
  /** The test file, relative to the working directory, with `/` separators. */
  file: string;
  class: string;
  /** Instances created during the test and still alive after it. */
  count: number;
  /** Age of the oldest of them when the test ended, in milliseconds. */
  oldestAgeMs: number | null;
  /** How the oldest is held, from a GC root, as the user would write it. */
  retainerPath: string | null;
  /** When \`retainerPath\` is null because it was not looked up: why, and how to get it. */
  whyNoRetainerPath: string | null;
  /** Where the oldest was created (`file:line:column`). */
  allocationSite: string | null;
  /** The oldest instances (up to 3). */
  instances: Array<{ ageMs: number; preview: string; retainerPath: string | null; whyNoRetainerPath: string | null; allocationSite: string | null }>;
}

/** A test that passed but was not checked. */
export interface SkipEntry {
  test: string;
  file: string;
  reason: string;
}

/** What one worker wrote. */
export interface ReportPart {
  trackref: 1;
  pid: number;
  threadId: number;
  /** Tests that passed and were checked. */
  checked: number;
  leaks: LeakEntry[];
  skipped: SkipEntry[];
}

interface TestRef {
  name: string;
  file?: string | undefined;
}

let directory: string | null | undefined;
let checked = 0;
let skipped: SkipEntry[] = [];

/** The parts directory for this process, or undefined when no report was asked for. */
export function partsDirectory(): string | undefined {
  if (directory === undefined) {
    const parts = process.env[PARTS_ENV];
    const report = process.env[REPORT_ENV];
    directory = parts ? resolve(parts) : report ? resolve(`${report}.parts`) : null;
  }
  return directory ?? undefined;
}

export function relativeFile(file: string | undefined): string {
  if (file === undefined || file === '') return '(unknown file)';
  const shown = relative(process.cwd(), file);
  return (shown.startsWith('..') ? file : shown).split(sep).join('/');
}

export function recordGuardChecked(_test: TestRef): void {
  if (partsDirectory() !== undefined) checked++;
}

export function recordGuardSkip(test: TestRef, reason: string): void {
  if (partsDirectory() !== undefined) skipped.push({ test: test.name, file: relativeFile(test.file), reason });
}

/** Writes a test's leaks to this worker's part right away (with what was recorded before it). */
export function recordGuardFinding(test: TestRef, rows: readonly LeakRow[]): void {
  if (partsDirectory() === undefined) return;
  const leaks = rows.map((row): LeakEntry => {
    const oldest = row.oldest[0];
    return {
      test: test.name,
      file: relativeFile(test.file),
      class: row.className,
      count: row.leaked,
      oldestAgeMs: oldest === undefined ? null : Math.round(oldest.ageMs),
      retainerPath: oldest?.retainerPath ?? null,
      whyNoRetainerPath: oldest?.whyNoRetainerPath ?? null,
      allocationSite: oldest?.allocationSite?.location ?? null,
      instances: row.oldest.map((instance) => ({
        ageMs: Math.round(instance.ageMs),
        preview: instance.preview,
        retainerPath: instance.retainerPath ?? null,
        whyNoRetainerPath: instance.whyNoRetainerPath ?? null,
        allocationSite: instance.allocationSite?.location ?? null,
      })),
    };
  });
  write(leaks);
}

/** Writes what was recorded since the last write (call it when a test file ends). */
export function flushGuardRecords(): void {
  if (partsDirectory() === undefined || (checked === 0 && skipped.length === 0)) return;
  write([]);
}

/**
 * Adds to this worker's part file. Only this thread writes it (its name holds the process id, the
 * thread id and the thread's start time), and the write is a rename, so readers never see half a file.
 */
function write(leaks: LeakEntry[]): void {
  const dir = partsDirectory()!;
  const file = join(dir, `worker-${process.pid}-${threadId}-${Math.round(performance.timeOrigin)}.json`);
  let part: ReportPart = { trackref: 1, pid: process.pid, threadId, checked: 0, leaks: [], skipped: [] };
  try {
    const existing = JSON.parse(readFileSync(file, 'utf8')) as ReportPart;
    if (existing.trackref === 1) part = existing;
  } catch {
    // First write of this worker (or the reporter consumed the previous run's part).
  }
  part.checked += checked;
  part.leaks.push(...leaks);
  part.skipped.push(...skipped);
  checked = 0;
  skipped = [];
  mkdirSync(dir, { recursive: true });
  const temp = `${file}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(temp, `${JSON.stringify(part, null, 2)}\n`);
  renameSync(temp, file);
}
