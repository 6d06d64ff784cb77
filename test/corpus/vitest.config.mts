// The corpus under Vitest: trackref installed through withTrackref, test globals on (the same test
// file runs under Jest). The pool is chosen on the command line by scripts/corpus.mjs.
import { defineConfig } from 'vitest/config';
import { withTrackref } from 'trackref/vitest/config';

export default defineConfig(
  withTrackref({
    cacheDir: '../../node_modules/.vite/trackref-corpus',
    test: { globals: true, include: ['corpus.test.ts'], testTimeout: 60000 },
  }),
);
