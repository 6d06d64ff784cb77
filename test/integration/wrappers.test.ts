// The jest-gc and vitest-gc wrapper scripts (package bin): `gc` is a global in tests, in every kind
// of worker, only when the runner is started through the wrapper. The fixture (test/fixtures/gc-global)
// has no trackref setup at all: tests asserting `typeof gc === 'function'`.
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import { childEnv, describeRun, fixtures, jestGc, run, runJest, runVitest, statuses, vitestGc } from './helpers';

const JEST_TESTS = ['gc is a global function', 'gc is a global function in a second file'];
const VITEST_TEST = 'gc is a global function';

function all(status: string): Record<string, string> {
  return Object.fromEntries(JEST_TESTS.map((name) => [name, status]));
}

describe('jest-gc', () => {
  test('under jest-gc, gc is a global in tests run by 2 worker processes', async () => {
    const result = await runJest('gc-global', ['-w', '2'], { entry: jestGc });
    expect(statuses(result), describeRun(result)).toEqual(all('passed'));
    expect(result.code).toBe(0);
    const records = Object.values(result.records);
    expect(records).toHaveLength(2);
    expect(new Set(records.map((r) => r.pid)).size).toBe(2);
    // The wrapper's child (the Jest process) is not the wrapper itself: workers differ from both.
    for (const record of records) expect(record.pid).not.toBe(result.pid);
  });

  test('under jest-gc in band, gc is a global in tests', async () => {
    const result = await runJest('gc-global', ['--runInBand'], { entry: jestGc });
    expect(statuses(result), describeRun(result)).toEqual(all('passed'));
  });

  test('without the wrapper (default node environment), gc is not a global: the fixture fails', async () => {
    const result = await runJest('gc-global', ['-w', '2']);
    expect(statuses(result), describeRun(result)).toEqual(all('failed'));
    expect(result.code).toBe(1);
  });

  test("the user's NODE_OPTIONS are kept next to --expose-gc", async () => {
    const result = await runJest('gc-global', ['--runInBand'], { entry: jestGc, env: { NODE_OPTIONS: '--max-old-space-size=512' } });
    expect(statuses(result), describeRun(result)).toEqual(all('passed'));
    for (const record of Object.values(result.records)) {
      expect(record.nodeOptions).toContain('--max-old-space-size=512');
      expect(record.nodeOptions).toContain('--expose-gc');
    }
  });
});

describe('vitest-gc', () => {
  test.each(['threads', 'forks', 'vmThreads', 'vmForks'])('under vitest-gc, gc is a global in tests (pool %s)', async (pool) => {
    const result = await runVitest('gc-global', [`--pool=${pool}`], { entry: vitestGc });
    expect(statuses(result), describeRun(result)).toEqual({ [VITEST_TEST]: 'passed' });
    expect(result.code).toBe(0);
    const [record] = Object.values(result.records);
    expect(record?.isMainThread).toBe(pool === 'forks' || pool === 'vmForks');
  });

  test.each(['threads', 'forks'])('without the wrapper, gc is not a global (pool %s): the fixture fails', async (pool) => {
    const result = await runVitest('gc-global', [`--pool=${pool}`]);
    expect(statuses(result), describeRun(result)).toEqual({ [VITEST_TEST]: 'failed' });
    expect(result.code).toBe(1);
  });

  test('the wrapper forwards arguments and the exit code', async () => {
    const cwd = path.join(fixtures, 'gc-global');
    const ok = await run([vitestGc, 'run', '--passWithNoTests', 'no-such-file-anywhere'], cwd, childEnv());
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    const failing = await run([vitestGc, 'run', 'no-such-file-anywhere'], cwd, childEnv());
    expect(failing.code, failing.stdout + failing.stderr).toBe(1);
  });
});
