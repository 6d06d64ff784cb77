/**
 * One client connection: the telnet layer, the login dialogue (Username:, Password:, throttled per
 * address, timed out), then a REPL session. Bounds every line and the output buffered for a slow
 * client. Must never evaluate or echo anything a client sends before a successful login, and never
 * let a client's error or disconnect reach the host process.
 */
import type { Socket } from 'node:net';
import type { Credentials } from './auth';
import { LineSplitter } from './lines';
import { MAX_LINE_BYTES, MAX_LOGIN_LINE_BYTES, type ResolvedOptions } from './options';
import type { LoginThrottle } from './rate-limit';
import { ReplSession, type SessionConsole } from './repl-session';
import { TelnetDecoder } from './telnet';

/** Output a client may leave unread before its connection is dropped. */
const MAX_UNREAD_OUTPUT = 64 * 1024 * 1024;
/** Lines a logged-in client may send ahead of the running command before reading is paused. */
const MAX_WAITING_INPUT = 1024 * 1024;
/** How long a closing connection may take to flush its last words. */
const CLOSE_GRACE_MS = 1000;

export interface ConnectionHost {
  options: ResolvedOptions;
  credentials: Credentials;
  throttle: LoginThrottle;
  /** The session's variables: built-ins and the application's. */
  scope(out: SessionConsole): Record<string, unknown>;
  /** Called when a client has logged in. */
  loggedIn(connection: Connection): void;
  /** Called once when the connection is gone. */
  closed(connection: Connection): void;
}

type Phase = 'username' | 'password' | 'repl' | 'closing';

export class Connection {
  private phase: Phase = 'username';
  private readonly decoder = new TelnetDecoder();
  private readonly lines = new LineSplitter(MAX_LOGIN_LINE_BYTES);
  private readonly address: string;
  private typedUsername = '';
  private session: ReplSession | undefined;
  private loginTimer: NodeJS.Timeout | undefined;
  private graceTimer: NodeJS.Timeout | undefined;
  private paused = false;
  private hasLoggedIn = false;
  /** The client's cursor is at the start of a line (so a last message needs no leading newline). */
  private atLineStart = true;

  constructor(
    private readonly socket: Socket,
    private readonly host: ConnectionHost,
  ) {
    this.address = (socket.remoteAddress ?? 'unknown').replace(/^::ffff:/, '');
    socket.setNoDelay(true);
    socket.on('error', () => {
      // ECONNRESET and the like: 'close' follows and cleans up.
    });
    socket.on('close', () => this.cleanUp());
    socket.on('end', () => this.inputEnded());
    socket.on('data', (chunk: Buffer) => this.received(chunk));

    const wait = host.throttle.waitFor(this.address);
    if (wait > 0) {
      this.refuseThrottled(wait);
      return;
    }
    this.loginTimer = setTimeout(() => this.close('Login timed out.'), host.options.loginTimeoutMs);
    this.send('Username: ');
  }

  /** True once the client has logged in (and still after the session ended). */
  get loggedIn(): boolean {
    return this.hasLoggedIn;
  }

  /** Ends the connection, with a last message; it is destroyed if it cannot flush in time. */
  close(message?: string): void {
    if (this.phase === 'closing') return;
    this.phase = 'closing';
    clearTimeout(this.loginTimer);
    this.session?.close();
    if (!this.socket.destroyed) {
      if (message === undefined) this.socket.end();
      else this.socket.end(`${this.atLineStart ? '' : '\r\n'}${message}\r\n`);
      this.graceTimer = setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS);
      this.graceTimer.unref();
    }
  }

  /** Writes text to the client with telnet line ends; drops a client that leaves too much unread. */
  private send(text: string | Buffer): void {
    if (this.socket.destroyed || !this.socket.writable) return;
    if (typeof text === 'string') {
      if (text === '') return;
      this.socket.write(text.replace(/\r?\n/g, '\r\n'));
      this.atLineStart = text.endsWith('\n');
    } else {
      this.socket.write(text); // telnet commands: not shown, so the cursor does not move
    }
    if (this.socket.writableLength > MAX_UNREAD_OUTPUT) {
      this.host.options.logger.warn(`trackref console: dropped ${this.address}, which left more than 64 MiB of output unread.`);
      this.socket.destroy();
    }
  }

  private received(chunk: Buffer): void {
    if (this.phase === 'closing') return;
    const { data, reply, interrupt } = this.decoder.decode(chunk);
    if (reply.length > 0) this.send(reply);
    if (this.phase === 'repl') {
      if (interrupt) this.session?.interrupt();
      this.feedRepl(data);
      return;
    }
    // Before login, one line at a time: a login may succeed halfway through a chunk.
    let rest = data;
    while (rest.length > 0 && (this.phase === 'username' || this.phase === 'password')) {
      const end = rest.indexOf(0x0a);
      const piece = end === -1 ? rest : rest.subarray(0, end + 1);
      rest = end === -1 ? Buffer.alloc(0) : rest.subarray(end + 1);
      const { lines, overflow } = this.lines.push(piece);
      if (overflow) {
        this.close(`Line too long (over ${MAX_LOGIN_LINE_BYTES} bytes) before login; closing.`);
        return;
      }
      for (const line of lines) this.loginLine(line);
    }
    if ((this.phase as Phase) === 'repl' && rest.length > 0) this.feedRepl(rest);
  }

  private loginLine(line: string): void {
    if (this.phase === 'username') {
      this.typedUsername = line;
      this.phase = 'password';
      if (this.host.options.hidePassword) this.send(this.decoder.echoRequest(true));
      this.send('Password: ');
      return;
    }
    if (this.host.options.hidePassword) {
      this.send(this.decoder.echoRequest(false));
      this.send('\n'); // the client did not echo the line end either
    }
    const wait = this.host.throttle.waitFor(this.address);
    if (wait > 0) {
      this.refuseThrottled(wait); // not even checked: the address must wait
      return;
    }
    if (!this.host.credentials.check(this.typedUsername, line)) {
      const { failures, lockedOut, waitMs } = this.host.throttle.fail(this.address);
      this.host.options.logger.warn(
        `trackref console: failed login from ${this.address} (${failures} in a row; ` +
          `${lockedOut ? 'locked out' : 'next attempt allowed'} in ${Math.ceil(waitMs / 1000)}s).`,
      );
      this.close('Login failed.');
      return;
    }
    this.host.throttle.succeed(this.address);
    clearTimeout(this.loginTimer);
    this.phase = 'repl';
    this.hasLoggedIn = true;
    this.lines.setLimit(MAX_LINE_BYTES);
    this.host.options.logger.log(`trackref console: ${this.typedUsername} logged in from ${this.address}.`);
    this.host.loggedIn(this);
    this.session = new ReplSession({
      write: (text) => this.send(text),
      scope: (out) => this.host.scope(out),
      banner: (names) =>
        `trackref console, pid ${process.pid}, node ${process.version}. In scope: ${names.join(', ')}.\n` +
        'Top-level await works; type .exit to leave, Ctrl-C to stop waiting for a command.\n',
      onExit: () => this.close(),
      onDrain: () => this.resumeInput(),
    });
  }

  private feedRepl(data: Buffer): void {
    const { lines, overflow } = this.lines.push(data);
    if (lines.length > 0) this.session?.feed(lines);
    if (overflow) {
      this.close(`Line too long (over ${MAX_LINE_BYTES / 1024 / 1024} MiB); closing the console session.`);
      return;
    }
    if (this.session !== undefined && this.session.waitingBytes > MAX_WAITING_INPUT && !this.paused) {
      this.paused = true;
      this.socket.pause(); // TCP pushes back on the client until the queued commands have run
    }
  }

  private resumeInput(): void {
    if (this.paused) {
      this.paused = false;
      this.socket.resume();
    }
  }

  private refuseThrottled(waitMs: number): void {
    this.close(`Too many failed logins from ${this.address}; try again in ${Math.ceil(waitMs / 1000)}s.`);
  }

  private inputEnded(): void {
    if (this.phase === 'repl' && this.session !== undefined) {
      this.session.endInput(); // run what was sent, then close
    } else {
      this.close();
    }
  }

  private cleanUp(): void {
    clearTimeout(this.loginTimer);
    clearTimeout(this.graceTimer);
    if (this.phase !== 'closing') {
      this.phase = 'closing';
      this.session?.close();
    }
    this.session = undefined;
    this.host.closed(this);
  }
}
