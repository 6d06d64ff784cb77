/**
 * trackref/vitest/config — `withTrackref(config)` adds the trackref setup file to a Vitest config
 * (keeping the user's own setup files, in order) for every pool. Garbage collection needs no Node
 * flag in any pool, so nothing else is changed. Never drops or rewrites what the user configured.
 */
import { TrackrefError } from '../src/errors';
import { describeValue } from '../src/object-ref';

export const SETUP_FILE = 'trackref/vitest';

export interface ConfigWithTest {
  test?: { setupFiles?: string | string[] } & Record<string, unknown>;
}

/** Returns a copy of `config` whose `test.setupFiles` includes `trackref/vitest`. */
export function withTrackref<T extends ConfigWithTest>(config: T = {} as T): T {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new TrackrefError(
      `withTrackref() takes a Vitest config object, but received ${describeValue(config)}. ` +
        'Pass the object you would give defineConfig: defineConfig(withTrackref({ test: { pool: "forks" } })).',
    );
  }
  const test = config.test ?? {};
  const current = test.setupFiles === undefined ? [] : Array.isArray(test.setupFiles) ? test.setupFiles : [test.setupFiles];
  const setupFiles = current.includes(SETUP_FILE) ? current : [SETUP_FILE, ...current];
  return { ...config, test: { ...test, setupFiles } };
}
