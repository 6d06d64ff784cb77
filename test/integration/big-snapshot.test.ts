// A heap snapshot larger than V8's longest string (~512 MB): trackref must stream it into its parser
// (joining it into one string would throw) and still report the right retainer path. Slow (about a
// minute and a half on a 2-core machine, ~4 GB of RSS at peak), so it runs only with CI=true or
// TRACKREF_SLOW=1. The heap is built and checked in a node process of its own
// (test/fixtures/big-snapshot/leak.cjs) with an 8 GB heap limit.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import { BIG_SNAPSHOT_LIMIT, timeoutFor } from '../limits.mts';

const repo = path.resolve(import.meta.dirname, '../..');
const fixture = path.join(repo, 'test', 'fixtures', 'big-snapshot', 'leak.cjs');
const slow = process.env.CI === 'true' || process.env.TRACKREF_SLOW === '1';
/** The fixture may run BIG_SNAPSHOT_LIMIT (TRACKREF_BIG_SNAPSHOT_LIMIT_S); the test waits a little longer. */
const TIMEOUT_MS = timeoutFor(BIG_SNAPSHOT_LIMIT);

interface FixtureResult {
  records: number;
  checkMs: number;
  snapshotChars: number;
  snapshotChunks: number;
  maxStringLength: number;
  leaked: boolean;
  counting: string;
  row?: { className: string; before?: number; after?: number; leaked: number; leaking: boolean };
  retainerPath?: string;
  retainerSteps?: string[];
  cached: number;
  /** Calls of fn after the verdict (report.extraCalls). */
  extraCalls: number;
  fillerKept: boolean;
  formatted: string;
}

function runFixture(): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; limitHit: boolean }> {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(VITEST|NODE_OPTIONS$)/.test(key)) env[key] = value;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--max-old-space-size=8192', fixture], { cwd: repo, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    let limitHit = false;
    const timer = setTimeout(() => {
      limitHit = true;
      child.kill('SIGKILL');
    }, BIG_SNAPSHOT_LIMIT.ms);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, limitHit });
    });
  });
}

describe.runIf(slow)('a heap snapshot larger than the longest JavaScript string', () => {
  test(
    'checkLeaks streams it and reports cache[N].meta.referer for the leaked HtmlResponse',
    async () => {
      const run = await runFixture();
      const line = run.stdout.split('\n').find((l) => l.startsWith('RESULT '));
      const why = run.limitHit
        ? `TIME LIMIT HIT: the fixture was stopped at its limit ${BIG_SNAPSHOT_LIMIT.describe} before it printed its result; the machine may be busy: ${BIG_SNAPSHOT_LIMIT.raise}`
        : `the fixture failed (code ${run.code}, signal ${run.signal})`;
      expect(line, `${why}:\n--- stdout ---\n${run.stdout.slice(-4000)}\n--- stderr ---\n${run.stderr.slice(-6000)}`).toBeDefined();
      const result = JSON.parse(line!.slice('RESULT '.length)) as FixtureResult;

      // The snapshot really was too large to exist as one string.
      expect(result.snapshotChars).toBeGreaterThan(512 * 1024 * 1024);
      expect(result.snapshotChars).toBeGreaterThan(result.maxStringLength);
      expect(result.snapshotChunks).toBeGreaterThan(1);
      expect(result.fillerKept).toBe(true);

      // The leak was found, counted and explained.
      expect(result.leaked).toBe(true);
      expect(result.counting).toBe('heap');
      expect(result.row).toMatchObject({ className: 'HtmlResponse', leaked: 1, leaking: true });
      expect(result.row!.after! - result.row!.before!).toBe(1);
      expect(result.retainerPath).toMatch(/^cache\[\d+\]\.meta\.referer$/);
      // The new response is the one the measured call cached: 1000 at start, one per call (warm-up,
      // births run, heap run, then the calls after the verdict that show how the count moves).
      const measured = result.cached - 1 - result.extraCalls;
      expect(result.retainerPath).toBe(`cache[${measured}].meta.referer`);
      expect(result.retainerSteps).toEqual(['cache', `[${measured}]`, '.meta', '.referer']);
      expect(result.formatted).toContain(result.retainerPath);

      // eslint-disable-next-line no-console
      console.log(
        `big snapshot: ${(result.snapshotChars / 1e6).toFixed(0)} MB in ${result.snapshotChunks} chunks; ` +
          `check → report ${(result.checkMs / 1000).toFixed(1)} s; path ${result.retainerPath}`,
      );
    },
    TIMEOUT_MS,
  );
});
