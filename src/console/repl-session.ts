/**
 * One logged-in console session: a Node REPL (top-level await, multi-line input) in its own context,
 * fed line by line so that each command finishes before the next starts, with Ctrl-C abandoning a
 * command that hangs. Created only after a successful login; must never see the socket directly and
 * never write to the host's stdout.
 */
import { Console } from 'node:console';
import type { REPLServer } from 'node:repl';
import { PassThrough, Writable } from 'node:stream';

/**
 * node:repl, loaded at the first login and not when trackref is imported: it loads node:domain,
 * which makes every EventEmitter domain-aware for the rest of the process.
 */
function loadRepl(): typeof import('node:repl') {
  return require('node:repl') as typeof import('node:repl');
}

export const PROMPT = '>>> ';
/** What the writer returns for `undefined`, so the REPL still updates `_` but nothing is printed. */
const PRINT_NOTHING = '\u0000trackref:undefined\u0000';

/** The console a session prints through (to its client). */
export type SessionConsole = Console;

export interface ReplSessionOptions {
  /** Sends text to the client (line ends are converted by the caller). */
  write(text: string): void;
  /** Builds the variables for the session's scope, given the session's console. */
  scope(out: Console): Record<string, unknown>;
  /** The greeting shown before the first prompt, given the names in scope. */
  banner(names: string[]): string;
  /** Called once when the REPL ends (.exit, end of input, or close()). */
  onExit(): void;
  /** Called when the queue of waiting lines has been drained. */
  onDrain(): void;
}

export class ReplSession {
  private readonly server: REPLServer;
  private readonly queue: string[] = [];
  private queuedBytes = 0;
  /** A line was handed to the REPL and its prompt has not come back yet. */
  private busy = false;
  private pumping = false;
  private ending = false;
  private closed = false;
  private pumpScheduled = false;

  constructor(private readonly options: ReplSessionOptions) {
    const output = new Writable({
      decodeStrings: false,
      write: (chunk: string | Buffer, _encoding, callback) => {
        const text = chunk.toString();
        if (text !== `${PRINT_NOTHING}\n`) options.write(text);
        callback();
      },
    });
    const out = new Console({ stdout: output, stderr: output, colorMode: false });
    const scope = options.scope(out);
    options.write(options.banner(Object.keys(scope).filter((name) => name !== 'console' && name !== 'process')));
    const repl = loadRepl();
    this.server = repl.start({
      input: new PassThrough(), // never written to: lines are fed with server.write(), one command at a time
      output,
      prompt: PROMPT,
      terminal: false,
      useColors: false,
      useGlobal: false,
      // Not `ignoreUndefined`: with it the REPL would keep the previous result in `_` (perhaps a tracked
      // object) after a command returning undefined. Every result replaces `_`; undefined prints nothing.
      writer(this: REPLServer, value: unknown): string {
        return value === undefined ? PRINT_NOTHING : repl.writer.call(this, value);
      },
      preview: false,
    });
    const define = (context: object): void => {
      for (const [name, value] of Object.entries(scope)) {
        Object.defineProperty(context, name, { value, writable: true, configurable: true, enumerable: true });
      }
    };
    define(this.server.context);
    this.server.on('reset', define); // `.clear` makes a fresh context
    // `.editor` ends with Ctrl-D, which a line-mode client cannot send: it would wedge the session.
    delete (this.server.commands as Record<string, unknown>)['editor'];
    this.gateOnPrompt();
    this.server.on('exit', () => {
      this.closed = true;
      this.queue.length = 0;
      options.onExit();
    });
  }

  /** Lines waiting for the running command to finish, in bytes. */
  get waitingBytes(): number {
    return this.queuedBytes;
  }

  /** Queues complete lines; each runs once the command before it has finished. */
  feed(lines: readonly string[]): void {
    if (this.closed) return;
    for (const line of lines) {
      this.queue.push(line);
      this.queuedBytes += Buffer.byteLength(line);
    }
    this.pump();
  }

  /** Ctrl-C: drops a half-typed multi-line command, or stops waiting for a running one. */
  interrupt(): void {
    if (this.closed) return;
    const abandoned = this.busy;
    this.busy = false;
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.server.clearBufferedCommand();
    this.options.write(
      abandoned ? '\n(interrupted: no longer waiting; the command goes on in the background and prints its result if it ends)\n' : '\n(interrupted)\n',
    );
    this.server.displayPrompt();
    this.options.onDrain();
  }

  /** The client sent everything it will send: run what is queued, then end. */
  endInput(): void {
    this.ending = true;
    this.pump();
  }

  /** Ends the session now. */
  close(): void {
    if (!this.closed) this.server.close();
  }

  /**
   * Runs the next line only once the REPL shows its prompt again: after a result, an error (thrown or
   * rejected, which the REPL reports without calling back), a multi-line continuation or a dot
   * command. An error from background work also shows a prompt; the next line then starts early,
   * as in Node's own REPL.
   */
  private gateOnPrompt(): void {
    const display = this.server.displayPrompt.bind(this.server);
    this.server.displayPrompt = (preserveCursor?: boolean): void => {
      display(preserveCursor);
      if (this.busy) {
        this.busy = false;
        if (!this.pumping) this.schedulePump();
      }
    };
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    this.pumping = true;
    try {
      while (!this.closed && !this.busy && this.queue.length > 0) {
        const line = this.queue.shift() as string;
        this.queuedBytes -= Buffer.byteLength(line);
        this.busy = true;
        this.server.write(`${line}\n`);
      }
    } finally {
      this.pumping = false;
    }
    if (this.queue.length === 0) {
      this.options.onDrain();
      if (this.ending && !this.busy && !this.closed) this.server.close();
    }
  }
}
