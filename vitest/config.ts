/**
 * trackref/vitest/config — `withTrackref(config)` adds the trackref setup file to a Vitest config
 * (keeping the user's own setup files, in order) for every pool. Garbage collection needs no Node
 * flag in any pool, so nothing else is changed. Never drops or rewrites what the user configured.
 */
import * as path from 'node:path';
import { TrackrefError } from '../src/errors';
import { describeValue } from '../src/object-ref';

/** The setup file as users name it in `setupFiles`. */
export const SETUP_FILE = 'trackref/vitest';

/**
 * The same file by its path: the ESM entry that `trackref/vitest` resolves to, next to this module's
 * CommonJS build (dist/cjs/vitest → dist/esm/vitest). Vitest then needs no package lookup of its
 * own, which it lacks under Yarn Plug'n'Play.
 */
const SETUP_PATH = path.join(__dirname, '..', '..', 'esm', 'vitest', 'index.mjs');

export interface ConfigWithTest {
  test?: { setupFiles?: string | string[] } & Record<string, unknown>;
}

/** Returns a copy of `config` whose `test.setupFiles` includes the `trackref/vitest` setup file (by path). */
export function withTrackref<T extends ConfigWithTest>(config: T = {} as T): T {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new TrackrefError(
      `withTrackref() takes a Vitest config object, but received ${describeValue(config)}. ` +
        'Pass the object you would give defineConfig: defineConfig(withTrackref({ test: { pool: "forks" } })).',
    );
  }
  const test = config.test ?? {};
  const current = test.setupFiles === undefined ? [] : Array.isArray(test.setupFiles) ? test.setupFiles : [test.setupFiles];
  const setupFiles = current.includes(SETUP_FILE) || current.includes(SETUP_PATH) ? current : [SETUP_PATH, ...current];
  return { ...config, test: { ...test, setupFiles } };
}
