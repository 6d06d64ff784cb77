// Vitest config for the example spider suite: trackref's matchers (`toLeak`) are installed by
// `setupFiles: ['trackref/vitest']`. Run from the repo root:
// npx vitest run --config examples/spiders/vitest.config.mts
import * as path from 'node:path';
import { defineConfig } from 'vitest/config';

/**
 * Only needed because these examples live inside the trackref repo: `import 'trackref'` resolves to
 * the repo's own dist/ (not a path under node_modules), which Vitest would transform itself instead
 * of letting Node load it. Loaded by Node, the test files and the setup file share one trackref.
 * An app that installs trackref from the registry does not need this.
 */
const trackrefDist = path.resolve(import.meta.dirname, '../../dist') + path.sep;

export default defineConfig({
  root: import.meta.dirname,
  test: {
    include: ['test/**/*.vitest.test.ts'],
    setupFiles: ['trackref/vitest'],
    environment: 'node',
    testTimeout: 30_000,
    server: { deps: { external: [new RegExp(`^${trackrefDist.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`)] } },
  },
});
