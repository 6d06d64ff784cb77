// Which test files run in which suite, in one place, so that every file runs in exactly one:
// - `npm test` (test/vitest.config.mts): the unit tests and the quicker integration tests (real
//   Jest and Vitest runs on the fixture projects), a few minutes on a 2-core machine;
// - `npm run test:heavy` (test/vitest.heavy.config.mts, run by .ci/run): the files below, which
//   each take minutes: the whole leak corpus in every cell (two files, so that both workers
//   share it), the self-leak scripts (a million objects; 4,000 checks with CI=true, 10,000 with
//   TRACKREF_SLOW=1), the retainer paths of every shape under four runner
//   setups, the >512 MB heap snapshot (CI=true or TRACKREF_SLOW=1 only), allocation sites
//   from V8's allocation trace under Jest and the four Vitest pools (~5 min on a busy 2-core machine),
//   checks on classes trackref does not stamp under Jest and every Vitest pool, the guard's limit
//   on paths per file under both runners, and the release hints of real libraries' own timers
//   (bottleneck, cron, generic-pool, node-cache, node-schedule, koa, ws: waits of several seconds).
//   Moved here to keep `npm test` near 5 minutes on a quiet 2-core machine.

/** Test files of the heavy suite (paths from the repository root). */
export const HEAVY_FILES = [
  'test/integration/corpus.test.ts',
  'test/integration/corpus-vm.test.ts',
  'test/integration/self-leak.test.ts',
  'test/integration/retainers.test.ts',
  'test/integration/big-snapshot.test.ts',
  'test/integration/alloc-sites.test.ts',
  'test/integration/untracked.test.ts',
  'test/integration/guard-paths-limit.test.ts',
  'test/unit/own-timer.test.ts',
];
