/**
 * `startConsole()`: the live leak console (Scrapy's telnet console's heir). Listens on loopback by
 * default, logs a generated password once, and tracks every connection so `close()` ends them all.
 * Must never start evaluating for a connection that has not logged in (see connection.ts), and never
 * listen on a non-loopback address unless told to.
 */
import * as net from 'node:net';
import { TrackrefError } from '../errors';
import { Credentials, generatePassword } from './auth';
import { Connection, type ConnectionHost } from './connection';
import { isLoopbackHost, resolveOptions, type ConsoleOptions } from './options';
import { LoginThrottle } from './rate-limit';
import { builtinScope } from './scope';

/** A running console. */
export interface ConsoleHandle {
  /** The address it listens on, as passed (default '127.0.0.1'). */
  readonly host: string;
  /** The port it listens on (the one picked when `port: 0` was passed). */
  readonly port: number;
  /** The login name. */
  readonly username: string;
  /** Connections open right now, logged in or not. */
  readonly connections: number;
  /** Logged-in sessions right now. */
  readonly sessions: number;
  /** Stops listening and ends every connection; resolves once all are gone. */
  close(): Promise<void>;
}

function listenError(error: NodeJS.ErrnoException, host: string, port: number): Error {
  if (error.code === 'EADDRINUSE') {
    return new TrackrefError(`startConsole() could not listen on ${host}:${port}: the port is in use. Pass another port, or port: 0 to pick a free one.`);
  }
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') {
    return new TrackrefError(`startConsole() could not listen on ${host}: it is not an address of this machine. Pass host: '127.0.0.1' (the default).`);
  }
  if (error.code === 'EACCES') {
    return new TrackrefError(`startConsole() may not listen on port ${port} (permission denied). Pass a port above 1023, e.g. the default 6023.`);
  }
  return error;
}

/**
 * Starts the console: a plain-text TCP server for telnet, nc or a raw socket. Clients log in
 * (`Username:`, `Password:`), then get a Node REPL with `prefs`, `printLiveRefs`, `formatLiveRefs`,
 * `getOldest`, `iterAll`, `allocationSiteOf`, `heap`, `collectGarbage`, `est` and the application's
 * `scope` variables.
 */
export async function startConsole(options?: ConsoleOptions): Promise<ConsoleHandle> {
  const resolved = resolveOptions(options, generatePassword);
  const { host, logger } = resolved;
  const connections = new Set<Connection>();
  let sessions = 0;
  /** Resolved when the last connection is gone (close() waits for it). */
  let whenNoConnections: (() => void) | undefined;

  const connectionHost: ConnectionHost = {
    options: resolved,
    credentials: new Credentials(resolved.username, resolved.password),
    throttle: new LoginThrottle(resolved.rateLimit),
    scope(out) {
      let app: Readonly<Record<string, unknown>> = {};
      try {
        app = resolved.scope();
      } catch (error) {
        out.error(`(the application's scope function threw, so only the built-ins are in scope: ${String(error)})`);
      }
      return { ...builtinScope(out, () => sessions), ...app };
    },
    loggedIn() {
      sessions++;
    },
    closed(connection) {
      if (connections.delete(connection) && connection.loggedIn) sessions--;
      if (connections.size === 0) whenNoConnections?.();
    },
  };

  let closing: Promise<void> | undefined;
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    if (closing !== undefined) {
      socket.destroy();
      return;
    }
    connections.add(new Connection(socket, connectionHost));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(listenError(error, host, resolved.port)));
    server.listen(resolved.port, host, () => resolve());
  });
  server.removeAllListeners('error');
  server.on('error', (error) => logger.warn(`trackref console: server error: ${error.message}`));

  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : resolved.port;
  if (!isLoopbackHost(host)) {
    logger.warn(
      `trackref console: WARNING: listening on ${host}, which is not a loopback address. Anyone who can reach it may try to log in, ` +
        'and everything, password included, travels unencrypted. Prefer the default 127.0.0.1 and an SSH tunnel.',
    );
  }
  logger.log(`trackref console listening on ${host}:${port}; connect with: telnet ${host} ${port}`);
  if (resolved.passwordGenerated) {
    logger.log(`trackref console login: username '${resolved.username}', password '${resolved.password}' (generated; pass { password } to choose one)`);
  }

  return {
    host,
    port,
    username: resolved.username,
    get connections() {
      return connections.size;
    },
    get sessions() {
      return sessions;
    },
    close() {
      closing ??= Promise.all([
        new Promise<void>((resolve) => server.close(() => resolve())),
        new Promise<void>((resolve) => {
          if (connections.size === 0) resolve();
          else whenNoConnections = resolve;
          for (const connection of connections) connection.close('trackref console closed.');
        }),
      ]).then(() => undefined);
      return closing;
    },
  };
}
