// The heavy suite: `npm run test:heavy` (= `vitest run --config test/vitest.heavy.config.mts`, after
// a build), run by .ci/run after `npm test`. The files listed in test/suites.mts, each minutes
// long: the leak corpus in every cell, the self-leak scripts, the retainer paths under four runner
// setups, (with CI=true or TRACKREF_SLOW=1) the >512 MB heap snapshot, and the rest listed there. Same isolation
// as `npm test` (test/vitest.config.mts): a process per file, two files at a time.
import * as path from 'node:path';
import { defineConfig } from 'vitest/config';
import { RUN_LIMIT, timeoutFor } from './limits.mts';
import { HEAVY_FILES } from './suites.mts';

const root = path.resolve(import.meta.dirname, '..');

export default defineConfig({
  root,
  cacheDir: path.join(root, 'node_modules', '.vite', 'trackref-tests'),
  test: {
    name: 'heavy',
    pool: 'forks',
    maxWorkers: 2,
    include: HEAVY_FILES,
    // Each file sets the timeouts of its long tests from its own limit (test/limits.ts); this is
    // the default for the rest.
    testTimeout: timeoutFor(RUN_LIMIT, 2),
    hookTimeout: timeoutFor(RUN_LIMIT, 2),
  },
});
