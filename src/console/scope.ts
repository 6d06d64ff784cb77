/**
 * What a logged-in console session has in scope: the registry views (printing to that session, not
 * to the host's stdout), `allocationSiteOf`, `heap`, `collectGarbage`, `est()`, and a `process`
 * whose exit()/abort() refuse to stop the host by accident. Must never hold a tracked object
 * itself; what the user assigns lives in the session's own context and goes with it.
 */
import { TrackrefError } from '../errors';
import { collectGarbage } from '../gc';
import { heap } from '../heap-view';
import { formatLiveRefs, getOldest, iterAll } from '../live-refs';
import { allocationSiteOf } from '../object-ref';
import type { LiveRefsOptions } from '../live-refs';
import type { SessionConsole } from './repl-session';
import { formatStatus } from './status';

const STOPPERS = ['exit', 'abort', 'reallyExit'] as const;

/**
 * The host's `process`, except that exit(), abort() and reallyExit() throw: typed by habit in a
 * console, they would stop the crawler being inspected. A guard against accidents, not a sandbox.
 */
function guardedProcess(): NodeJS.Process {
  const refusals = new Map<PropertyKey, () => never>(
    STOPPERS.map((name) => [
      name,
      () => {
        throw new TrackrefError(
          `process.${name}() would stop the host process, so the trackref console refuses it. ` +
            `Type .exit to leave the console; if you really mean to stop the host, call require('node:process').${name}().`,
        );
      },
    ]),
  );
  return new Proxy(process, {
    get(target, property) {
      return refusals.get(property) ?? Reflect.get(target, property, target);
    },
  });
}

/** The built-in variables of one session, printing through that session's console. */
export function builtinScope(out: SessionConsole, sessions: () => number): Record<string, unknown> {
  const printLiveRefs = (options?: LiveRefsOptions): void => {
    out.log(formatLiveRefs(options));
  };
  return {
    prefs: printLiveRefs,
    printLiveRefs,
    formatLiveRefs,
    getOldest,
    iterAll,
    allocationSiteOf,
    heap,
    collectGarbage,
    est: (): void => {
      out.log(formatStatus({ sessions: sessions() }));
    },
    console: out,
    process: guardedProcess(),
  };
}
