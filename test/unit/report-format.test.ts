// The report's text from given data (formatting is pure): one age per object across the instance
// line and the retainer trace, why a retainer path is missing, and no growth-per-run column without
// per-run counts.
import { describe, expect, test } from 'vitest';
import { LeakReportData, LeakRow, createReport } from '../../src/report';

function data(rows: LeakRow[], extra: Partial<LeakReportData> = {}): LeakReportData {
  const memory = { heapUsed: 10 * 1024 * 1024, rss: 50 * 1024 * 1024 };
  return { leaked: true, target: 'Page', rows, warmup: 1, runs: 1, tolerance: 0, counting: 'heap', calls: 2, durationMs: 10, memory: { before: memory, after: memory }, ...extra };
}

describe('ages', () => {
  test("a trace's ages are shifted to the instance's time, so the leaked object has one age", () => {
    const rows: LeakRow[] = [
      {
        className: 'Page',
        before: 0,
        after: 1,
        leaked: 1,
        leaking: true,
        oldest: [
          {
            className: 'Page',
            ageMs: 4600,
            ageExact: true,
            preview: "Page { url: 'http://example.com/' }",
            retainerPath: 'registry.pages[0]',
            // Taken 5.3 s later, after other tests' snapshots.
            retainerSteps: [
              { text: 'registry', className: 'Registry', createdDuringRuns: false, ageMs: 20_300 },
              { text: '.pages', className: 'Array' },
              { text: '[0]', className: 'Page', createdDuringRuns: true, ageMs: 9900 },
            ],
          },
        ],
      },
    ];
    const text = createReport(data(rows)).format();
    expect(text).toMatch(/^ {2}4\.6s ago {4}Page \{/m);
    expect(text).toMatch(/\[0\]\s+Page\s+new, 4\.6s ago {2}← leaked/);
    expect(text).toMatch(/registry\s+Registry\s+existed before, 15s ago/);
    expect(text).not.toContain('9.9s ago');
  });
});

describe('missing retainer paths', () => {
  test('the reason is printed once per class, and no "held by" line', () => {
    const instance = (n: number) => ({ className: 'Page', ageMs: 1000 * n, ageExact: true, preview: `Page { n: ${n} }`, whyNoRetainerPath: 'not looked up: because' });
    const text = createReport(data([{ className: 'Page', before: 0, after: 2, leaked: 2, leaking: true, oldest: [instance(2), instance(1)] }])).format();
    expect(text).toContain('Retainer path not looked up: because.');
    expect(text.match(/not looked up/g)).toHaveLength(1);
    expect(text).not.toContain('held by');
  });
});

describe('runs', () => {
  test('no growth-per-run column without per-run counts, even when more runs were counted than asked', () => {
    const text = createReport(data([{ className: 'Page', before: 3, after: 4, leaked: 1, leaking: true, oldest: [] }], { heapRuns: 2, calls: 4 })).format();
    expect(text).not.toContain('growth per run');
    expect(text).not.toMatch(/→ 0\s*$/m);
    expect(text).toContain('after 2 runs (1 asked for, and 1 more');
  });

  test('the column shows where per-run counts exist, blank for rows without them', () => {
    const text = createReport(
      data(
        [
          { className: 'Page', before: 3, after: 6, leaked: 3, leaking: true, oldest: [], perRun: [1, 2, 3] },
          { className: 'Gone', before: 2, after: 0, leaked: -2, leaking: false, oldest: [] },
        ],
        { runs: 3, calls: 7 },
      ),
    ).format();
    expect(text).toMatch(/^\s*Page\s+3\s+6\s+\+3\s+0 → \+1 → \+2 → \+3\s*$/m);
    expect(text).toMatch(/^\s*Gone\s+2\s+0\s+-2\s*$/m);
    expect(text).toContain('after 3 runs and garbage collection');
  });

  test('more runs whose count fell say why the series does not follow the verdict', () => {
    // A new user's undici pools, one per call and never closed: 'Pool on 2 more runs: +1 → -1 → 0.'
    // (older pools freed as their idle sockets closed) under a failing verdict, with no word on it.
    const text = createReport(data([{ className: 'Pool', before: 2, after: 3, leaked: 1, leaking: true, oldest: [], moreRuns: [1, -1, 0] }], { calls: 4 })).format();
    expect(text).toContain('Pool on 2 more runs: +1 → -1 → 0. It fell on a run: instances made earlier were freed meanwhile');
    expect(text).toContain('the verdict stands on the measured runs.');
  });

  test('a long series is shortened in the table (its first and last runs), whole in perRun', () => {
    const perRun = Array.from({ length: 45 }, (_, i) => (i < 14 ? i + 1 : i - 39));
    const report = createReport(data([{ className: 'Result', before: 33, after: 38, leaked: 5, leaking: true, oldest: [], perRun }], { runs: 45, calls: 46 }));
    const text = report.format();
    expect(text).toMatch(/^\s*Result\s+33\s+38\s+\+5\s+0 → \+1 → \+2 → \+3 → … → \+3 → \+4 → \+5 \(45 runs\)\s*$/m);
    expect(report.rows[0]!.perRun).toHaveLength(45);
  });
});
