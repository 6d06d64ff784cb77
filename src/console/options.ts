/**
 * The options of `startConsole()`: their public types, defaults and validation. Every rejection is a
 * TrackrefError that says what to pass instead. Must never open a socket or log anything itself.
 */
import * as net from 'node:net';
import { TrackrefError } from '../errors';
import { describeValue } from '../object-ref';

/** Where the console writes its few host-side messages (the generated password, warnings). */
export interface ConsoleLogger {
  log(message: string): void;
  warn(message: string): void;
}

/**
 * Login throttling per remote address. After the k-th failed login in a row, the address must wait
 * `baseDelayMs * 2^(k-1)` (capped at `maxDelayMs`) before its next attempt; after `maxFailures`
 * failures it is locked out for `lockoutMs`. Failures are forgotten `lockoutMs` after the last one,
 * or at a successful login.
 */
export interface ConsoleRateLimit {
  /** Wait after the first failure (default 1000 ms); doubles with each further failure. */
  baseDelayMs?: number;
  /** The longest wait between two attempts (default 60 000 ms). */
  maxDelayMs?: number;
  /** Failures in a row that lock the address out (default 10). */
  maxFailures?: number;
  /** How long a lockout lasts, and how long failures are remembered (default 900 000 ms = 15 min). */
  lockoutMs?: number;
}

/** Variables to add to the console's scope, or a function called at each login that returns them. */
export type ConsoleScope = Readonly<Record<string, unknown>> | (() => Readonly<Record<string, unknown>>);

export interface ConsoleOptions {
  /** TCP port (default 6023); 0 picks a free port (read it from the handle). */
  port?: number;
  /** Address to listen on (default '127.0.0.1'). Non-loopback addresses need `allowNonLoopback`. */
  host?: string;
  /** Login name (default 'trackref'). */
  username?: string;
  /** Login password. When left out, a random one is generated and logged once at start. */
  password?: string;
  /** Allow a non-loopback `host` (anyone who can reach it may try to log in; no encryption). */
  allowNonLoopback?: boolean;
  /** Application variables for the console (e.g. `{ engine }`); they may shadow the built-ins. */
  scope?: ConsoleScope;
  /** Where start-up lines, login failures and warnings go (default: the global `console`). */
  logger?: ConsoleLogger;
  /**
   * Ask a telnet client not to echo the password (telnet `IAC WILL ECHO` / `IAC WONT ECHO`), as
   * Scrapy's console does. Default true. Set false for nc or raw sockets, which would show those
   * 3-byte sequences as stray characters.
   */
  hidePassword?: boolean;
  /** Milliseconds a connection may take to log in before it is closed (default 60 000). */
  loginTimeoutMs?: number;
  /** Login throttling per remote address (see ConsoleRateLimit for the defaults). */
  rateLimit?: ConsoleRateLimit;
}

export interface ResolvedOptions {
  port: number;
  host: string;
  username: string;
  password: string;
  passwordGenerated: boolean;
  allowNonLoopback: boolean;
  scope: () => Readonly<Record<string, unknown>>;
  logger: ConsoleLogger;
  hidePassword: boolean;
  loginTimeoutMs: number;
  rateLimit: Required<ConsoleRateLimit>;
}

export const DEFAULT_PORT = 6023;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_USERNAME = 'trackref';
/** Longest line accepted before login; also the longest username or password. */
export const MAX_LOGIN_LINE_BYTES = 1024;
/** Longest line accepted after login. */
export const MAX_LINE_BYTES = 1024 * 1024;

const DEFAULT_RATE_LIMIT: Required<ConsoleRateLimit> = { baseDelayMs: 1000, maxDelayMs: 60_000, maxFailures: 10, lockoutMs: 900_000 };
const OPTION_KEYS: readonly (keyof ConsoleOptions)[] = [
  'port',
  'host',
  'username',
  'password',
  'allowNonLoopback',
  'scope',
  'logger',
  'hidePassword',
  'loginTimeoutMs',
  'rateLimit',
];
const RATE_LIMIT_KEYS: readonly (keyof ConsoleRateLimit)[] = ['baseDelayMs', 'maxDelayMs', 'maxFailures', 'lockoutMs'];

/** True for addresses only this machine can reach: localhost, 127.0.0.0/8, ::1 (and their IPv4-mapped forms). */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice('::ffff:'.length) : h;
  return net.isIPv4(v4) && v4.startsWith('127.');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function rejectUnknownKeys(value: Record<string, unknown>, known: readonly string[], where: string): void {
  const unknown = Object.keys(value).filter((key) => !known.includes(key));
  if (unknown.length > 0) {
    throw new TrackrefError(`Unknown ${where} ${unknown.map((k) => `'${k}'`).join(', ')}; the known ones are ${known.join(', ')}.`);
  }
}

function credential(value: unknown, name: 'username' | 'password'): string | undefined {
  if (value === undefined) return undefined;
  const instead =
    name === 'password' ? 'Pass a non-empty password, or leave it out to have a random one generated and logged.' : "Pass a non-empty username, or leave it out for 'trackref'.";
  if (typeof value !== 'string' || value === '') {
    throw new TrackrefError(`startConsole() option ${name} must be a non-empty string, but it is ${describeValue(value)}. ${instead}`);
  }
  if (/[\r\n\0]/.test(value)) {
    throw new TrackrefError(`startConsole() option ${name} contains a line break or NUL, which no one can type at a login prompt. ${instead}`);
  }
  if (Buffer.byteLength(value) > MAX_LOGIN_LINE_BYTES) {
    throw new TrackrefError(`startConsole() option ${name} is longer than ${MAX_LOGIN_LINE_BYTES} bytes, the longest login line accepted. Pass a shorter ${name}.`);
  }
  return value;
}

function boolOption(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    throw new TrackrefError(`startConsole() option ${name} must be true or false, but it is ${describeValue(value)}.`);
  }
  return value;
}

function durationOption(value: unknown, name: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new TrackrefError(`startConsole() option ${name} must be a finite number of at least ${min}, but it is ${describeValue(value)}. Pass e.g. ${name}: ${fallback}.`);
  }
  return value;
}

function resolveRateLimit(value: unknown): Required<ConsoleRateLimit> {
  if (value === undefined) return { ...DEFAULT_RATE_LIMIT };
  if (!isPlainObject(value)) {
    throw new TrackrefError(`startConsole() option rateLimit must be an object like { baseDelayMs: 1000, maxFailures: 10 }, but it is ${describeValue(value)}.`);
  }
  rejectUnknownKeys(value, RATE_LIMIT_KEYS, 'rateLimit option');
  const maxFailures = durationOption(value['maxFailures'], 'rateLimit.maxFailures', DEFAULT_RATE_LIMIT.maxFailures, 1);
  if (!Number.isInteger(maxFailures)) {
    throw new TrackrefError(`startConsole() option rateLimit.maxFailures must be a whole number, but it is ${maxFailures}. Pass e.g. maxFailures: 10.`);
  }
  return {
    baseDelayMs: durationOption(value['baseDelayMs'], 'rateLimit.baseDelayMs', DEFAULT_RATE_LIMIT.baseDelayMs, 0),
    maxDelayMs: durationOption(value['maxDelayMs'], 'rateLimit.maxDelayMs', DEFAULT_RATE_LIMIT.maxDelayMs, 0),
    maxFailures,
    lockoutMs: durationOption(value['lockoutMs'], 'rateLimit.lockoutMs', DEFAULT_RATE_LIMIT.lockoutMs, 0),
  };
}

function resolveScope(value: unknown): () => Readonly<Record<string, unknown>> {
  if (value === undefined) return () => ({});
  if (typeof value === 'function') {
    return () => {
      const vars: unknown = (value as () => unknown)();
      if (!isPlainObject(vars)) {
        throw new TrackrefError(`The scope function passed to startConsole() must return an object of variables, but it returned ${describeValue(vars)}.`);
      }
      return vars;
    };
  }
  if (!isPlainObject(value)) {
    throw new TrackrefError(
      `startConsole() option scope must be an object of variables (e.g. { engine }) or a function returning one, but it is ${describeValue(value)}.`,
    );
  }
  return () => value;
}

function resolveLogger(value: unknown): ConsoleLogger {
  if (value === undefined) return console;
  if (!isPlainObject(value) || typeof value['log'] !== 'function' || typeof value['warn'] !== 'function') {
    throw new TrackrefError(`startConsole() option logger must have log(message) and warn(message) methods (like console), but it is ${describeValue(value)}.`);
  }
  return value as unknown as ConsoleLogger;
}

/** Validates `startConsole()` options and fills in the defaults, calling `generatePassword` when none is given. */
export function resolveOptions(options: unknown, generatePassword: () => string): ResolvedOptions {
  if (options === undefined) options = {};
  if (!isPlainObject(options)) {
    throw new TrackrefError(`startConsole() takes an options object like { port: 6023 }, or nothing, but received ${describeValue(options)}.`);
  }
  rejectUnknownKeys(options, OPTION_KEYS, 'startConsole() option');

  const port = options['port'] ?? DEFAULT_PORT;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TrackrefError(
      `startConsole() option port must be a whole number from 0 to 65535, but it is ${describeValue(port)}. Pass e.g. { port: 6023 }, or { port: 0 } to pick a free port.`,
    );
  }
  const host = options['host'] ?? DEFAULT_HOST;
  if (typeof host !== 'string' || host === '') {
    throw new TrackrefError(`startConsole() option host must be a non-empty string, but it is ${describeValue(host)}. Pass e.g. { host: '127.0.0.1' } (the default).`);
  }
  const allowNonLoopback = boolOption(options['allowNonLoopback'], 'allowNonLoopback', false);
  if (!allowNonLoopback && !isLoopbackHost(host)) {
    throw new TrackrefError(
      `startConsole() refuses to listen on '${host}', which is not a loopback address: the console has no encryption and runs any code after login. ` +
        `Keep the default host '127.0.0.1' and reach it through an SSH tunnel, or pass allowNonLoopback: true to accept the risk.`,
    );
  }
  const username = credential(options['username'], 'username') ?? DEFAULT_USERNAME;
  const givenPassword = credential(options['password'], 'password');
  return {
    port,
    host,
    username,
    password: givenPassword ?? generatePassword(),
    passwordGenerated: givenPassword === undefined,
    allowNonLoopback,
    scope: resolveScope(options['scope']),
    logger: resolveLogger(options['logger']),
    hidePassword: boolOption(options['hidePassword'], 'hidePassword', true),
    loginTimeoutMs: durationOption(options['loginTimeoutMs'], 'loginTimeoutMs', 60_000, 1),
    rateLimit: resolveRateLimit(options['rateLimit']),
  };
}
