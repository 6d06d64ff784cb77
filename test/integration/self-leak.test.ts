// trackref must never leak itself. Each script runs in a node process of its own (nothing else on
// its heap) and reports what it measured; test/fixtures/self-leak/ says what each one does.
// - A million tracked objects (ObjectRef subclasses and track()ed objects), created and dropped in
//   batches, some inside passing and failing checks: afterwards the registry is empty, every WeakRef
//   and FinalizationRegistry trackref made is gone, and the heap is within 5% of its baseline.
// - Consecutive checks of every kind (passing, failing with and without paths, runs, growth,
//   warm-up, names, no target, async, throwing): every verdict right, and the heap after the last
//   check within 5% of the heap after the warm-up checks. Compiled code is left out of the heap
//   compared: V8 goes on optimising trackref's hot paths for thousands of checks (code space grew
//   760 -> 957 KB over 10,000 checks, about 60% of the whole heap's growth), which is bounded by
//   the code loaded, not kept per check. 2,000 checks by default, 4,000 with CI=true (CI's time
//   budget), the full 10,000 with TRACKREF_SLOW=1 (about 3 minutes on a quiet 2-core machine).
import { describe, expect, test } from 'vitest';
import { runSelfLeakScript } from '../fixtures/self-leak/run.mjs';
import { SELF_LEAK_LIMIT, timeoutFor } from '../limits.mts';

/** Each script may run SELF_LEAK_LIMIT (TRACKREF_SELF_LEAK_LIMIT_S); the test waits a little longer. */
const limits = { limitMs: SELF_LEAK_LIMIT.ms, limitRaise: `${SELF_LEAK_LIMIT.raise} (now ${SELF_LEAK_LIMIT.describe}).` };

const SLOW = process.env.CI === 'true' || process.env.TRACKREF_SLOW === '1';

interface RegistryView {
  iterAll: number;
  hasOldest: boolean;
  hasOldestByName: boolean;
  row: string | null;
}
interface CheckOutcome {
  leaked: boolean;
  counting: string;
  rows?: Array<{ className: string; leaked: number; path?: string }>;
}
interface DropMillion {
  objects: number;
  made: { objectRef: number; tracked: number; insideChecks: number };
  checks: Record<'passingBirths' | 'passingRuns3' | 'passingEveryTrackedClass' | 'failingWithPaths' | 'failingNoPaths', CheckOutcome>;
  midway: { Request: RegistryView; LibRequest: RegistryView };
  registry: Record<'Request' | 'HtmlResponse' | 'LibRequest', RegistryView>;
  allTracked: number;
  v8Before: Record<string, number>;
  v8After: Record<string, number>;
  heapRatio: number;
}
interface Checkpoint {
  checks: number;
  heapUsed: number;
  /** Bytes of compiled code (V8's code space) within heapUsed. */
  codeSpace: number;
  liveJob: number;
  livePlain: number;
  liveWeakRef: number;
  liveFinalizationRegistry: number;
}
interface ManyChecks {
  checks: number;
  kinds: Record<string, { count: number; wrong: number; firstWrong?: unknown }>;
  wrongVerdicts: number;
  slowPathUsers: number;
  series: Checkpoint[];
  growthPct: number;
}

describe('trackref does not leak itself', () => {
  test('1,000,000 tracked objects created and dropped: registry empty, heap within 5% of its baseline', async () => {
    const { result } = await runSelfLeakScript('drop-million.cjs', ['--objects=1000000'], limits);
    const r = result as DropMillion;
    expect(r.made.objectRef + r.made.tracked).toBe(1_000_000);
    expect(r.made.insideChecks).toBeGreaterThan(0);
    // The registry sees a live batch while it exists (2,500 of each kind), and nothing afterwards.
    expect(r.midway.Request.iterAll).toBe(2500);
    expect(r.midway.LibRequest.iterAll).toBe(2500);
    for (const view of Object.values(r.registry)) {
      expect(view).toEqual({ iterAll: 0, hasOldest: false, hasOldestByName: false, row: null });
    }
    expect(r.allTracked).toBe(0);
    // V8's own counts: no instance left, and no WeakRef or FinalizationRegistry more than before.
    for (const cls of ['Request', 'HtmlResponse', 'LibRequest']) expect(r.v8After[cls], cls).toBe(0);
    expect(r.v8After.WeakRef).toBe(r.v8Before.WeakRef);
    expect(r.v8After.FinalizationRegistry).toBe(r.v8Before.FinalizationRegistry);
    // The checks made along the way reached their verdicts.
    expect(r.checks.passingBirths.leaked).toBe(false);
    expect(r.checks.passingRuns3.leaked).toBe(false);
    expect(r.checks.passingEveryTrackedClass.leaked).toBe(false);
    expect(r.checks.failingWithPaths.leaked).toBe(true);
    expect(r.checks.failingWithPaths.rows?.[0]?.path).toMatch(/^held\[\d+\]$/);
    expect(r.checks.failingNoPaths.leaked).toBe(true);
    expect(r.heapRatio, `heap after / baseline = ${r.heapRatio}`).toBeLessThanOrEqual(1.05);
  }, timeoutFor(SELF_LEAK_LIMIT));

  const checks = process.env.TRACKREF_SLOW === '1' ? 10_000 : process.env.CI === 'true' ? 4_000 : 2_000;
  const warmup = SLOW ? 1_000 : 500;
  test(`${checks.toLocaleString('en-US')} consecutive checks of every kind: right verdicts, heap within 5%`, async () => {
    const { result } = await runSelfLeakScript('many-checks.cjs', [String(checks), `--warmup=${warmup}`, `--every=${warmup}`], limits);
    const r = result as ManyChecks;
    expect(r.checks).toBe(checks);
    const wrong = Object.entries(r.kinds).filter(([, kind]) => kind.wrong > 0);
    expect(wrong, JSON.stringify(wrong)).toEqual([]);
    for (const [name, kind] of Object.entries(r.kinds)) expect(kind.count, name).toBeGreaterThan(0);
    expect(r.slowPathUsers).toBe(0);
    const first = r.series[0]!;
    const last = r.series[r.series.length - 1]!;
    for (const point of r.series) {
      expect(point.liveJob).toBe(0);
      expect(point.livePlain).toBe(0);
      // What trackref keeps for itself does not grow with the number of checks.
      expect(point.liveWeakRef).toBe(first.liveWeakRef);
      expect(point.liveFinalizationRegistry).toBe(first.liveFinalizationRegistry);
    }
    const objects = (point: Checkpoint): number => point.heapUsed - point.codeSpace;
    const series = r.series.map((point) => `${point.checks}: ${objects(point)} (+${point.codeSpace} code)`).join(', ');
    expect(objects(last) / objects(first), `heap used without compiled code after N checks: ${series}`).toBeLessThanOrEqual(1.05);
  }, timeoutFor(SELF_LEAK_LIMIT));
});
