// Time limits of the project's own tests, in one place: how long one spawned process (a Jest or
// Vitest run on a fixture, a corpus cell, a self-leak script) may run before it is stopped, and the
// Vitest timeouts derived from them, so that a spawned process always hits its own limit (and the
// test says so, with the process's output) before Vitest's timeout fires. Read by
// test/vitest.config.mts, test/vitest.heavy.config.mts and the helpers that spawn processes.
//
// Generous on purpose: on a quiet 2-core machine a fixture run takes 5-40 s and a corpus cell
// 30-110 s; at a load of 5 to 10 they took up to 3-4 times as long. Raise a limit with its
// environment variable (seconds), e.g. `TRACKREF_RUN_LIMIT_S=900 npm test`.

/** A limit: its value, the variable that sets it, and how to say it in a failure message. */
export interface Limit {
  /** Milliseconds. */
  ms: number;
  /** The environment variable that sets it, in seconds. */
  variable: string;
  /** "TRACKREF_RUN_LIMIT_S=300 (one runner run)": what a message names. */
  describe: string;
  /** A sentence saying how to raise it. */
  raise: string;
}

function limit(variable: string, defaultSeconds: number, what: string): Limit {
  const text = process.env[variable];
  const seconds = text === undefined || text === '' ? defaultSeconds : Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new Error(`${variable} must be a number of seconds > 0, e.g. ${variable}=${defaultSeconds * 2}; got ${JSON.stringify(text)}.`);
  }
  return {
    ms: Math.round(seconds * 1000),
    variable,
    describe: `${variable}=${seconds} s (${what})`,
    raise: `raise it with ${variable}=<seconds>, e.g. ${variable}=${seconds * 2}`,
  };
}

/** One Jest or Vitest run on a fixture project (test/integration/helpers.ts, retainers.test.ts). */
export const RUN_LIMIT = limit('TRACKREF_RUN_LIMIT_S', 300, 'one spawned Jest or Vitest run');

/** One corpus cell: the whole corpus under one runner or pool (test/integration/corpus.test.ts). */
export const CORPUS_LIMIT = limit('TRACKREF_CORPUS_LIMIT_S', 1200, 'one corpus cell');

/** One self-leak script (test/integration/self-leak.test.ts). */
export const SELF_LEAK_LIMIT = limit('TRACKREF_SELF_LEAK_LIMIT_S', 1500, 'one self-leak script');

/** The big-snapshot fixture: builds a >512 MB heap and checks it (test/integration/big-snapshot.test.ts). */
export const BIG_SNAPSHOT_LIMIT = limit('TRACKREF_BIG_SNAPSHOT_LIMIT_S', 1200, 'the big-snapshot fixture');

/** Margin between a process's limit and the Vitest timeout around it (reading its report, cleanup). */
const MARGIN_MS = 60_000;

/** The Vitest timeout for a test or hook that runs `runs` processes one after the other under `limit`. */
export function timeoutFor(limit: Limit, runs = 1): number {
  return limit.ms * runs + MARGIN_MS;
}
