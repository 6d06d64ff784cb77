// Vitest config of the matrix's CommonJS runtime fixture: the setup line the README gives users.
import { defineConfig } from 'vitest/config';

export default defineConfig({ test: { setupFiles: ['trackref/vitest'], include: ['*.matrix.js'], testTimeout: 120000 } });
