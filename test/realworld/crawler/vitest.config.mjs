import { defineConfig } from 'vitest/config';
import { withTrackref } from 'trackref/vitest/config';

export default defineConfig(
  withTrackref({
    cacheDir: './.vite',
    test: { globals: true, include: ['*.test.js'], setupFiles: ['./guard-setup.mjs'], testTimeout: 60000, fileParallelism: false },
  }),
);
