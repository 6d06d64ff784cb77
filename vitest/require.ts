/**
 * What `require('trackref/vitest')` loads: trackref's Vitest entry is an ES module (it imports
 * Vitest, which is ESM only), so a CommonJS setup file cannot load it. Throws an error that says what
 * to do instead; never loads Vitest or registers anything.
 */
import { TrackrefError } from '../src/errors';

throw new TrackrefError(
  "trackref/vitest is an ES module and cannot be loaded with require(). List it in the Vitest config instead (test: { setupFiles: ['trackref/vitest'] }), " +
    "or import it from a setup file that is an ES module (a .mjs or .ts file: import 'trackref/vitest'; or import { guardLeaks } from 'trackref/vitest').",
);
