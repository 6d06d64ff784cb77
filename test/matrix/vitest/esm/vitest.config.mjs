// Vitest config of the matrix's ESM runtime fixture: the `withTrackref` helper adds the setup file.
import { defineConfig } from 'vitest/config';
import { withTrackref } from 'trackref/vitest/config';

export default defineConfig(withTrackref({ test: { include: ['*.matrix.mjs'], testTimeout: 120000 } }));
