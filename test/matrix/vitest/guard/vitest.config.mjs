// Vitest config of the compatibility matrix's guard fixture: the README's lines for the per-test
// leak guard. The CI reporter is added on the command line (with the JSON reporter the matrix reads);
// its file comes from TRACKREF_REPORT.
import { defineConfig } from 'vitest/config';

export default defineConfig({ test: { include: ['*.matrix.mjs'], setupFiles: ['trackref/vitest', './guard.setup.mjs'], testTimeout: 120000 } });
