// The project's own tests as `npm test` runs them (= `vitest run --config test/vitest.config.mts`,
// after `pretest` has built dist/). Tests import the library as users do, through the package name
// `trackref` (node_modules/trackref is a symlink to this repo, so they exercise dist/).
//
// - unit: the core API in this process (real V8, real garbage collection, no mocks).
// - integration: real Jest and Vitest runs on the fixture projects under test/fixtures/; each spawns
//   a runner (and its workers), so they get long timeouts and run at most two at a time.
//
// The slowest files (test/suites.mts: the leak corpus, the self-leak scripts, the retainer paths
// under four runner setups, the big snapshot, real libraries' own timers…) are the heavy suite instead:
// `npm run test:heavy` (test/vitest.heavy.config.mts), which CI runs after this one.
import * as path from 'node:path';
import { configDefaults, defineConfig } from 'vitest/config';
import { RUN_LIMIT, timeoutFor } from './limits.mts';
import { HEAVY_FILES } from './suites.mts';

const root = path.resolve(import.meta.dirname, '..');

export default defineConfig({
  root,
  // Keep Vite's cache out of the source tree.
  cacheDir: path.join(root, 'node_modules', '.vite', 'trackref-tests'),
  test: {
    // Each test file in its own child process: tests count live objects and force garbage
    // collection, so files must not share a heap (or a registry).
    pool: 'forks',
    // A 2-core machine: spawned runners bring their own workers, so run at most two files at once.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...HEAVY_FILES],
          // Generous: a busy 2-core machine slows them a lot (test/unit/births.test.ts took 38 s at
          // a load of about 9, 118 s at about 20). Tests known to be long set their own.
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...HEAVY_FILES],
          // A test or hook runs at most two runners one after the other, each stopped at RUN_LIMIT
          // (TRACKREF_RUN_LIMIT_S, test/limits.ts) with a message saying so, before this fires.
          testTimeout: timeoutFor(RUN_LIMIT, 2),
          hookTimeout: timeoutFor(RUN_LIMIT, 2),
        },
      },
    ],
  },
});
