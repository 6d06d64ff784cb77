// Checks on classes trackref does not stamp — a library's classes (a derived class with and without
// a constructor of its own, an ES5 constructor function) and Node's http.ClientRequest — under real
// Jest (test files in a vm context) and real Vitest in every pool. A passing check is decided by
// births seen through a constructor hook (no heap census); a built-in class, which has no JavaScript
// constructor, is counted on the heap; a leak's report names the line of the test file that led to
// the `new` (`made at`) with the library's frame under it (`via`). The fixture
// (test/fixtures/untracked, with its own node_modules/crawl-lib) asserts the reports itself; here:
// every test has the expected status and the failing matcher's message shows the sites.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import { RunResult, describeRun, expectedStatuses, fixtures, messageOf, runJest, runVitest, statuses } from './helpers';

const FIXTURE = 'untracked';
const MATCHER_TEST = 'the matcher reports it (must fail)';

function lineOf(file: string, marker: string): number {
  return readFileSync(path.join(fixtures, FIXTURE, 'tests', file), 'utf8').split('\n').findIndex((line) => line.includes(marker)) + 1;
}

function expectReports(result: RunResult, file: string): void {
  const expected = expectedStatuses([...result.tests.keys()]);
  expect(result.tests.size, describeRun(result)).toBe(6);
  expect(statuses(result), describeRun(result)).toEqual(expected);
  const message = messageOf(result, MATCHER_TEST);
  expect(message).toMatch(/held by {2}crawler\.done\[\d+\]/);
  expect(message).toContain(`made at  tests/${file}:${lineOf(file, 'MATCHER-HERE')}:`);
  expect(message).toMatch(/ via {2}node_modules\/crawl-lib\/index\.js:\d+:\d+ \(Crawler\.run\)/);
}

describe('checks on classes trackref does not stamp', () => {
  test('Jest', async () => {
    expectReports(await runJest(FIXTURE), 'untracked.test.cjs');
  });

  for (const pool of ['forks', 'threads', 'vmThreads', 'vmForks']) {
    test(`Vitest, pool ${pool}`, async () => {
      expectReports(await runVitest(FIXTURE, [`--pool=${pool}`]), 'untracked.test.mjs');
    });
  }
});
