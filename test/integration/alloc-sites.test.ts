// Allocation sites of objects without a JavaScript constructor (Map, Promise) and of tracked
// functions and plain objects, under real Jest (test files in a vm context, CommonJS and TypeScript
// through babel-jest) and real Vitest in every pool (ESM and TypeScript). A failing check on Map
// runs fn again with V8's allocation tracking: the report's `made at` must name the line of the
// test file that made the objects (the declaration of its function, said so in the report).
// Promises are seen by V8's promise init hook while the check runs: `made at` is the exact line, and
// no traced run is made. Both with the fixture library's frame as `via` when the library made them. The fixture is
// test/fixtures/alloc-sites (with its own node_modules/cache-lib); each failing test's line is marked
// `// MARKER-<name>` in its file.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import { RunResult, describeRun, expectedStatuses, fixtures, messageOf, runJest, runVitest, statuses } from './helpers';

const FIXTURE = 'alloc-sites';
const DECLARED = 'declared here (allocation tracking gives the function, not the line)';

/** The failing tests of the JavaScript files: test name, marker, whether the site comes from the allocation trace (else from a hook or a stamp: the exact line), whether the library made the objects. */
const JS_CASES: ReadonlyArray<[name: string, marker: string, traced: boolean, viaLibrary: boolean]> = [
  ['Map instances made here (must fail)', 'map', true, false],
  ['Map instances made by a library (must fail)', 'lib-map', true, true],
  ['promises made here (must fail)', 'promise', false, false],
  ['promises made by a library (must fail)', 'lib-promise', false, true],
  ['tracked functions (must fail)', 'function', false, false],
  ['tracked functions made by a library (must fail)', 'lib-function', false, false],
  ['tracked plain objects (must fail)', 'object', false, false],
];
const TS_CASES: ReadonlyArray<[name: string, marker: string, traced: boolean]> = [
  ['Map instances made in TypeScript (must fail)', 'ts-map', true],
  ['promises made in TypeScript (must fail)', 'ts-promise', false],
];

function lineOf(file: string, marker: string): number {
  const line = readFileSync(path.join(fixtures, FIXTURE, 'tests', file), 'utf8').split('\n').findIndex((text) => text.includes(`// MARKER-${marker}`)) + 1;
  if (line === 0) throw new Error(`No MARKER-${marker} in ${file}`);
  return line;
}

/** The report's `made at` lines (with what follows them on the line). */
function sites(message: string): string[] {
  return message.split('\n').filter((line) => line.includes('made at  '));
}

function expectSite(result: RunResult, name: string, file: string, marker: string, traced: boolean, viaLibrary: boolean): void {
  const message = messageOf(result, name);
  const site = `made at  tests/${file}:${lineOf(file, marker)}:`;
  const matching = sites(message).filter((line) => line.includes(site));
  expect(matching, `${name}: no "${site}" among the sites\n${message}`).not.toEqual([]);
  if (traced) {
    expect(matching[0], `${name}: the site must say it is a function's declaration\n${message}`).toContain(DECLARED);
    expect(message).toMatch(/again with V8's allocation tracking, for allocation sites \(the counts above\)/);
  } else {
    expect(matching[0], `${name}: the site must be the exact line, not a function's declaration\n${message}`).not.toContain(DECLARED);
    expect(message, name).not.toContain("V8's allocation tracking");
  }
  if (viaLibrary) expect(message, name).toMatch(/ via {2}node_modules\/cache-lib\/index\.js:\d+:\d+ \((?:Cache\.)?(remember|pending)\)/);
}

function expectReports(result: RunResult, jsFile: string, tsFile: string): void {
  expect(result.tests.size, describeRun(result)).toBe(JS_CASES.length + TS_CASES.length + 1);
  expect(statuses(result), describeRun(result)).toEqual(expectedStatuses([...result.tests.keys()]));
  for (const [name, marker, traced, viaLibrary] of JS_CASES) expectSite(result, name, jsFile, marker, traced, viaLibrary);
  for (const [name, marker, traced] of TS_CASES) expectSite(result, name, tsFile, marker, traced, false);
}

describe('allocation sites of objects without a JavaScript constructor', () => {
  test('Jest', async () => {
    expectReports(await runJest(FIXTURE), 'jest-sites.test.cjs', 'jest-sites.test.ts');
  });

  for (const pool of ['forks', 'threads', 'vmThreads', 'vmForks']) {
    test(`Vitest, pool ${pool}`, async () => {
      expectReports(await runVitest(FIXTURE, [`--pool=${pool}`]), 'vitest-sites.test.mjs', 'vitest-sites.test.ts');
    });
  }
});
