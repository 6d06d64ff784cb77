// Vitest config of the compatibility matrix's `vitest-gc` fixture (the pool is chosen on the command line).
import { defineConfig } from 'vitest/config';

export default defineConfig({ test: { include: ['*.matrix.mjs'], setupFiles: ['trackref/vitest'], testTimeout: 120000 } });
