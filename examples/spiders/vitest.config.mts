// Vitest config for the example spider suite: trackref's matchers (`toLeak`) are installed by
// `setupFiles: ['trackref/vitest']`. Run from the repo root:
// npx vitest run --config examples/spiders/vitest.config.mts
import * as path from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: import.meta.dirname,
  // keep Vite's cache in the repo's node_modules rather than creating examples/spiders/node_modules
  cacheDir: path.resolve(import.meta.dirname, '../../node_modules/.vite/examples-spiders'),
  test: {
    include: ['test/**/*.vitest.test.ts'],
    setupFiles: ['trackref/vitest'],
    environment: 'node',
    testTimeout: 30_000,
  },
});
