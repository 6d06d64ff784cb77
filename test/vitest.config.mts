// The project's own tests: `npm test` (= `vitest run --config test/vitest.config.mts`, after
// `pretest` has built dist/). Tests import the library as users do, through the package name
// `trackref` (node_modules/trackref is a symlink to this repo, so they exercise dist/).
//
// - unit: the core API in this process (real V8, real garbage collection, no mocks).
// - integration: real Jest and Vitest runs on the fixture projects under test/fixtures/; each spawns
//   a runner (and its workers), so they get long timeouts and run at most two at a time.
import * as path from 'node:path';
import { defineConfig } from 'vitest/config';

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
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
