// Real Jest and Vitest runs of test/fixtures/guard-paths-limit: four tests of one file leak, the
// guard looks up retainer paths for the first three. The fourth's report, the CI JSON and the
// end-of-run summary must say why it has no path and how to get one. The explained reports' ages
// must agree between the instance line and the retainer trace: Jest runs with check: 'end-of-file',
// where the file's leaking tests are explained one after another, each trace after the previous
// one's heap snapshot.
import { readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RunResult, describeRun, expectStatuses, messageOf, runJest, runVitest, tempDir } from './helpers';

const TESTS = [1, 2, 3, 4].map((n) => `leaky test ${n} (must fail)`);
const WHY = /not looked up: the guard finds retainer paths for the first 3 leaking tests of each test file \(each takes a heap snapshot\); run this test on its own \(e\.g\. -t '<its title>'\) to get them/;

interface CiLeak {
  test: string;
  retainerPath: string | null;
  whyNoRetainerPath: string | null;
  instances: Array<{ retainerPath: string | null; whyNoRetainerPath: string | null }>;
}

const work = tempDir('guard-paths-limit');
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.each(['jest', 'vitest'] as const)('%s: the guard explains 3 leaking tests per file', (runner) => {
  let result: RunResult;
  let leaks: CiLeak[];
  beforeAll(async () => {
    const reportFile = path.join(work, `${runner}-leaks.json`);
    const env = { TRACKREF_REPORT: reportFile };
    result = runner === 'jest'
      ? await runJest('guard-paths-limit', ['--runInBand'], { env: { ...env, GUARD_CHECK: 'end-of-file' } }) : await runVitest('guard-paths-limit', ['--reporter=trackref/vitest/reporter'], { env });
    leaks = (JSON.parse(readFileSync(reportFile, 'utf8')) as { leaks: CiLeak[] }).leaks;
  });

  test('every test leaks and fails', () => {
    expectStatuses(result, TESTS);
  });

  test('the first three reports have a retainer path, and one age per object', () => {
    for (const name of TESTS.slice(0, 3)) {
      const message = messageOf(result, name);
      expect(message, describeRun(result)).toMatch(/held by {2}kept\[\d\]/);
      expect(message).not.toContain('not looked up');
      const instanceAge = /^\s*(\d+(?:\.\d)?s ago)\s+Page \{/m.exec(message)?.[1];
      const traceAge = /new, (\d+(?:\.\d)?s ago)\s+(?:← suspect reference\s+)?← leaked/.exec(message)?.[1];
      expect(instanceAge, message).toBeDefined();
      expect(traceAge, message).toBe(instanceAge);
    }
  });

  test("the fourth report says why it has no retainer path and how to get one", () => {
    const message = messageOf(result, TESTS[3]!);
    expect(message, describeRun(result)).toMatch(WHY);
    expect(message).toContain('Retainer path not looked up');
    expect(message).not.toContain('held by');
  });

  test('the CI JSON gives the same reason where retainerPath is null', () => {
    const byTest = new Map(leaks.map((leak) => [leak.test, leak]));
    for (const name of TESTS.slice(0, 3)) {
      expect(byTest.get(name)?.retainerPath, JSON.stringify(leaks, null, 2)).toMatch(/^kept\[\d\]$/);
      expect(byTest.get(name)?.whyNoRetainerPath).toBeNull();
    }
    const fourth = byTest.get(TESTS[3]!)!;
    expect(fourth.retainerPath, JSON.stringify(leaks, null, 2)).toBeNull();
    expect(fourth.whyNoRetainerPath).toMatch(WHY);
    expect(fourth.instances[0]?.whyNoRetainerPath).toMatch(WHY);
  });

  test('the end-of-run summary says so too', () => {
    expect(`${result.stdout}\n${result.stderr}`).toMatch(/1 leak without a retainer path \(not looked up: /);
  });
});
