// Which test files run in which suite, in one place, so that every file runs in exactly one:
// - `npm test` (test/vitest.config.mts): the unit tests and the quicker integration tests (real
//   Jest and Vitest runs on the fixture projects), a few minutes on a 2-core machine;
// - `npm run test:heavy` (test/vitest.heavy.config.mts, run by .ci/run): the files below, which
//   each take minutes: the whole leak corpus in every cell, the self-leak scripts (a million
//   objects; 10,000 checks with CI=true), the retainer paths of every shape under four runner
//   setups, the >512 MB heap snapshot (CI=true or TRACKREF_SLOW=1 only), and allocation sites
//   from V8's allocation trace under Jest and the four Vitest pools (~5 min on a busy 2-core machine).

/** Integration test files of the heavy suite (paths from the repository root). */
export const HEAVY_FILES = [
  'test/integration/corpus.test.ts',
  'test/integration/self-leak.test.ts',
  'test/integration/retainers.test.ts',
  'test/integration/big-snapshot.test.ts',
  'test/integration/alloc-sites.test.ts',
];
