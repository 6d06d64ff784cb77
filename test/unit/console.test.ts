// The live leak console (startConsole): real TCP sockets on 127.0.0.1, port 0. Every test closes the
// consoles and sockets it opened (afterEach), so the file finishes by itself.
import * as net from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { ObjectRef, TrackrefError, captureAllocationSites, collectGarbage, startConsole } from 'trackref';
import type { ConsoleHandle, ConsoleOptions } from 'trackref';

const PASSWORD = 'correct horse';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const consoles: ConsoleHandle[] = [];
const clients: Client[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.socket.destroy();
  await Promise.all(consoles.splice(0).map((c) => c.close()));
});

interface Started {
  handle: ConsoleHandle;
  logs: string[];
}

/** Starts a console on a free loopback port, with a logger that records instead of printing. */
async function start(options: ConsoleOptions = {}): Promise<Started> {
  const logs: string[] = [];
  const handle = await startConsole({
    port: 0,
    password: PASSWORD,
    logger: { log: (m) => logs.push(m), warn: (m) => logs.push(`WARN ${m}`) },
    ...options,
  });
  consoles.push(handle);
  return { handle, logs };
}

/** A raw-socket client: records the bytes it receives and the text without telnet commands. */
class Client {
  readonly raw: Buffer[] = [];
  text = '';
  ended = false;
  readonly closed: Promise<void>;
  private readonly decoder = new StringDecoder('utf8');
  private iac: number[] = [];
  private listeners: Array<() => void> = [];

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.raw.push(chunk);
      const data: number[] = [];
      for (const byte of chunk) {
        // The console sends only 3-byte telnet commands (IAC WILL/WONT ECHO, IAC DONT x).
        if (this.iac.length > 0 || byte === 0xff) {
          this.iac.push(byte);
          if (this.iac.length === 3) this.iac = [];
        } else {
          data.push(byte);
        }
      }
      this.text += this.decoder.write(Buffer.from(data)).replace(/\r\n/g, '\n');
      this.notify();
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.ended = true;
        this.notify();
        resolve();
      }),
    );
  }

  static connect(port: number): Promise<Client> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        const client = new Client(socket);
        clients.push(client);
        resolve(client);
      });
    });
  }

  private notify(): void {
    for (const listener of this.listeners.slice()) listener();
  }

  /** Waits until the text received since `from` matches; returns that text. */
  waitFor(pattern: string | RegExp, from = 0, timeoutMs = 10_000): Promise<string> {
    const matches = (): boolean => {
      const text = this.text.slice(from);
      return typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text);
    };
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (matches()) {
          done();
          resolve(this.text.slice(from));
        } else if (this.ended) {
          done();
          reject(new Error(`connection closed before ${String(pattern)} arrived; got:\n${this.text.slice(from)}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${String(pattern)}; got:\n${this.text.slice(from)}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.listeners = this.listeners.filter((l) => l !== check);
      };
      this.listeners.push(check);
      check();
    });
  }

  send(line: string): void {
    this.socket.write(`${line}\r\n`);
  }

  async login(username = 'trackref', password = PASSWORD): Promise<string> {
    await this.waitFor('Username: ');
    this.send(username);
    await this.waitFor('Password: ');
    this.send(password);
    return this.waitFor(/>>> $/);
  }

  /** Sends one command and returns its output (the text before the next prompt). */
  async run(command: string, timeoutMs?: number): Promise<string> {
    const from = this.text.length;
    this.send(command);
    const text = await this.waitFor(/>>> $/, from, timeoutMs);
    return text.slice(0, -'>>> '.length).replace(/\n$/, '');
  }
}

async function loggedIn(port: number): Promise<Client> {
  const client = await Client.connect(port);
  await client.login();
  return client;
}

/** A fixed pseudo-random byte stream (xorshift32), so the "random bytes" test is reproducible. */
function pseudoRandomBytes(length: number, seed = 0x2545f491): Buffer {
  const out = Buffer.alloc(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

describe('login', () => {
  test('prompts Username: then Password:, and opens a REPL on the right credentials', async () => {
    const { handle, logs } = await start();
    expect(handle.host).toBe('127.0.0.1');
    expect(handle.username).toBe('trackref');
    expect(handle.port).toBeGreaterThan(0);
    expect(logs).toContain(`trackref console listening on 127.0.0.1:${handle.port}; connect with: telnet 127.0.0.1 ${handle.port}`);

    const client = await Client.connect(handle.port);
    expect(await client.waitFor('Username: ')).toBe('Username: ');
    client.send('trackref');
    expect(await client.waitFor('Password: ')).toBe('Username: Password: ');
    client.send(PASSWORD);
    const banner = await client.waitFor(/>>> $/);
    expect(banner).toMatch(/In scope: prefs, printLiveRefs, formatLiveRefs, getOldest, iterAll, allocationSiteOf, heap, collectGarbage, est\./);
    expect(await client.run('1 + 1')).toBe('2');
    expect(handle.sessions).toBe(1);
    expect(logs).toContain('trackref console: trackref logged in from 127.0.0.1.');
    expect(logs.join('\n')).not.toContain(PASSWORD);
  });

  test('generates a password when none is given, logs it once, and accepts it', async () => {
    const { handle, logs } = await start({ password: undefined, username: 'ops' });
    const lines = logs.filter((line) => /password '/.test(line));
    expect(lines).toHaveLength(1);
    const password = /password '([^']+)'/.exec(lines[0]!)![1]!;
    expect(password).toMatch(/^[\w-]{16}$/);
    expect(lines[0]).toContain("username 'ops'");

    const client = await Client.connect(handle.port);
    await client.login('ops', password);
    expect(await client.run('"in"')).toBe("'in'");
    expect(logs.filter((line) => line.includes(password))).toHaveLength(1);
  });

  test('a wrong password, or a wrong username, closes the connection', async () => {
    const { handle, logs } = await start({ rateLimit: { baseDelayMs: 0 } });
    for (const [username, password] of [
      ['trackref', 'wrong'],
      ['root', PASSWORD],
      ['', ''],
    ] as const) {
      const client = await Client.connect(handle.port);
      await client.waitFor('Username: ');
      client.send(username);
      await client.waitFor('Password: ');
      client.send(password);
      await client.closed;
      expect(client.text).toMatch(/Login failed\.\n$/);
      expect(client.text).not.toContain('>>>');
    }
    expect(logs.filter((l) => l.startsWith('WARN trackref console: failed login from 127.0.0.1'))).toHaveLength(3);
    await vi.waitFor(() => expect(handle.connections).toBe(0));
  });

  test('nothing is evaluated before a successful login', async () => {
    const scope = vi.fn(() => ({ engine: {} }));
    const { handle } = await start({ scope, rateLimit: { baseDelayMs: 0 } });
    const hostLog = vi.spyOn(console, 'log');
    const globals = globalThis as { __consolePwned?: unknown };
    try {
      // As username and password, all at once and before any prompt.
      const first = await Client.connect(handle.port);
      first.socket.write('prefs()\r\nprocess.exit(7)\r\nglobalThis.__consolePwned = 1\r\n');
      await first.closed;
      expect(first.text).toBe('Username: Password: \nLogin failed.\n');

      // The right username, and code where the password goes.
      const second = await Client.connect(handle.port);
      second.socket.write('trackref\r\nprocess.exit(8)\r\nprefs()\r\n');
      await second.closed;
      expect(second.text).toBe('Username: Password: \nLogin failed.\n');

      // Dot commands are not REPL commands before login either.
      const third = await Client.connect(handle.port);
      third.socket.write('.exit\r\n.load /etc/passwd\r\n');
      await third.closed;
      expect(third.text).not.toMatch(/Live References|>>>|root:/);

      expect(globals.__consolePwned).toBeUndefined();
      expect(process.exitCode).toBeUndefined();
      expect(scope).not.toHaveBeenCalled();
      expect(hostLog).not.toHaveBeenCalled();
      expect(handle.sessions).toBe(0);
    } finally {
      hostLog.mockRestore();
    }
  });

  test('a connection that does not log in within loginTimeoutMs is closed', async () => {
    const { handle } = await start({ loginTimeoutMs: 200 });
    const client = await Client.connect(handle.port);
    await client.waitFor('Username: ');
    client.send('trackref');
    await client.closed;
    expect(client.text).toBe('Username: Password: \nLogin timed out.\n');
  });
});

describe('rate limiting', () => {
  test('after a failed login the address must wait, even with the right password', async () => {
    const { handle } = await start({ rateLimit: { baseDelayMs: 500 } });
    // Opened before the failure, logs in after it: refused without its password being checked.
    const early = await Client.connect(handle.port);
    await early.waitFor('Username: ');

    const failing = await Client.connect(handle.port);
    failing.socket.write(`trackref\r\nwrong\r\n`);
    await failing.closed;

    const refused = await Client.connect(handle.port);
    await refused.closed;
    expect(refused.text).toBe('Too many failed logins from 127.0.0.1; try again in 1s.\n');

    early.socket.write(`trackref\r\n${PASSWORD}\r\n`);
    await early.closed;
    expect(early.text).toMatch(/Too many failed logins from 127\.0\.0\.1; try again in 1s\.\n$/);
    expect(early.text).not.toContain('>>>');

    await sleep(550);
    const later = await loggedIn(handle.port);
    expect(await later.run('"welcome back"')).toBe("'welcome back'");
  });

  test('the wait doubles with each failure, and maxFailures locks the address out for lockoutMs', async () => {
    const { handle, logs } = await start({ rateLimit: { baseDelayMs: 20, maxFailures: 3, lockoutMs: 60_000 } });
    for (let i = 0; i < 3; i++) {
      const client = await Client.connect(handle.port);
      client.socket.write('trackref\r\nwrong\r\n');
      await client.closed;
      expect(client.text).toMatch(/Login failed/);
      await sleep(20 * 2 ** i + 30);
    }
    expect(logs.filter((l) => l.startsWith('WARN'))).toEqual([
      'WARN trackref console: failed login from 127.0.0.1 (1 in a row; next attempt allowed in 1s).',
      'WARN trackref console: failed login from 127.0.0.1 (2 in a row; next attempt allowed in 1s).',
      'WARN trackref console: failed login from 127.0.0.1 (3 in a row; locked out in 60s).',
    ]);
    const refused = await Client.connect(handle.port);
    await refused.closed;
    expect(refused.text).toMatch(/Too many failed logins from 127\.0\.0\.1; try again in (59|60)s\./);
  });
});

describe('options', () => {
  test('refuses a non-loopback host unless allowNonLoopback is passed, and then warns', async () => {
    for (const host of ['0.0.0.0', '::', '192.0.2.1', 'example.com']) {
      const error = await startConsole({ host, port: 0, password: 'x' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TrackrefError);
      expect((error as Error).message).toContain(`refuses to listen on '${host}', which is not a loopback address`);
      expect((error as Error).message).toContain('allowNonLoopback: true');
      expect((error as Error).message).toContain('SSH tunnel');
    }
    const { handle, logs } = await start({ host: '0.0.0.0', allowNonLoopback: true });
    expect(logs.filter((l) => l.startsWith('WARN'))).toEqual([
      expect.stringContaining('WARNING: listening on 0.0.0.0, which is not a loopback address'),
    ]);
    const client = await loggedIn(handle.port);
    expect(await client.run('6 * 7')).toBe('42');
  });

  test('loopback hosts are accepted without the option', async () => {
    for (const host of ['127.0.0.1', 'localhost', '127.0.0.2']) {
      const { handle, logs } = await start({ host });
      expect(handle.host).toBe(host);
      expect(logs.some((l) => l.startsWith('WARN'))).toBe(false);
    }
  });

  test.each([
    [{ port: 70000 }, /port must be a whole number from 0 to 65535, but it is the number 70000\. Pass e\.g\. \{ port: 6023 \}/],
    [{ port: -1 }, /port must be a whole number from 0 to 65535/],
    [{ port: 1.5 }, /port must be a whole number/],
    [{ port: '6023' }, /port must be a whole number from 0 to 65535, but it is the string "6023"/],
    [{ port: Number.NaN }, /port must be a whole number/],
    [{ host: 42 }, /host must be a non-empty string, but it is the number 42\. Pass e\.g\. \{ host: '127\.0\.0\.1' \}/],
    [{ host: '' }, /host must be a non-empty string/],
    [{ username: '' }, /username must be a non-empty string, but it is the string ""\. Pass a non-empty username, or leave it out for 'trackref'/],
    [{ password: '' }, /password must be a non-empty string, but it is the string ""\. Pass a non-empty password, or leave it out to have a random one generated/],
    [{ password: 5 }, /password must be a non-empty string, but it is the number 5/],
    [{ password: 'two\nlines' }, /password contains a line break/],
    [{ password: 'x'.repeat(2000) }, /longer than 1024 bytes/],
    [{ prot: 6023 }, /Unknown startConsole\(\) option 'prot'; the known ones are port, host/],
    [{ allowNonLoopback: 'yes' }, /allowNonLoopback must be true or false/],
    [{ scope: 5 }, /scope must be an object of variables \(e\.g\. \{ engine \}\) or a function returning one/],
    [{ logger: {} }, /logger must have log\(message\) and warn\(message\) methods/],
    [{ loginTimeoutMs: 0 }, /loginTimeoutMs must be a finite number of at least 1/],
    [{ rateLimit: { maxFailures: 0 } }, /rateLimit\.maxFailures must be a finite number of at least 1/],
    [{ rateLimit: { retries: 3 } }, /Unknown rateLimit option 'retries'/],
    ['6023', /takes an options object like \{ port: 6023 \}, or nothing, but received the string "6023"/],
  ])('%j is refused with a TrackrefError saying what to pass', async (options, message) => {
    const error = await startConsole(options as ConsoleOptions).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrackrefError);
    expect((error as Error).message).toMatch(message);
  });

  test('a port in use is reported as such', async () => {
    const { handle } = await start();
    const error = await startConsole({ port: handle.port, password: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrackrefError);
    expect((error as Error).message).toMatch(/the port is in use\. Pass another port, or port: 0/);
  });
});

describe('sessions', () => {
  test('two clients at once, each with its own variables, neither waiting for the other', async () => {
    const { handle } = await start();
    const [a, b] = await Promise.all([loggedIn(handle.port), loggedIn(handle.port)]);
    expect(handle.sessions).toBe(2);
    expect(await a.run("x = 'a'")).toBe("'a'");
    expect(await b.run('typeof x')).toBe("'undefined'");
    expect(await b.run("x = 'b'")).toBe("'b'");

    const from = a.text.length;
    a.send("await new Promise((r) => setTimeout(() => r('slow'), 400))");
    expect(await b.run('x')).toBe("'b'");
    expect(a.text.slice(from)).not.toContain('slow');
    expect(await a.waitFor("'slow'", from)).toContain("'slow'");
    expect(await a.run('x')).toBe("'a'");
  });

  test('random bytes, before or after login, disturb neither the host nor other clients', async () => {
    const { handle } = await start({ rateLimit: { baseDelayMs: 0 } });
    const bystander = await loggedIn(handle.port);
    const noise = pseudoRandomBytes(64 * 1024);

    const before = await Client.connect(handle.port);
    before.socket.write(noise);
    await before.closed;
    expect(before.text).not.toContain('>>>');

    const after = await loggedIn(handle.port);
    for (let i = 0; i < noise.length; i += 4096) after.socket.write(noise.subarray(i, i + 4096));
    // The noise ran as (failing) commands, one line at a time; wait for a marker behind it.
    const from = after.text.length;
    after.socket.write("\r\n.break\r\n'end' + 'of-noise'\r\n");
    await after.waitFor("'endof-noise'\n>>> ", from);
    expect(await after.run("'still here'")).toBe("'still here'");

    expect(await bystander.run('1 + 1')).toBe('2');
    expect(handle.sessions).toBe(2);
  });

  test('an oversized line closes only its own connection', async () => {
    const { handle } = await start();
    const bystander = await loggedIn(handle.port);

    const early = await Client.connect(handle.port);
    early.socket.write('u'.repeat(2048));
    await early.closed;
    expect(early.text).toBe('Username: \nLine too long (over 1024 bytes) before login; closing.\n');

    const late = await loggedIn(handle.port);
    late.socket.write(Buffer.alloc(1024 * 1024 + 1, 'x'));
    await late.closed;
    expect(late.text).toMatch(/\nLine too long \(over 1 MiB\); closing the console session\.\n$/);

    expect(await bystander.run('"unharmed"')).toBe("'unharmed'");
    await vi.waitFor(() => expect(handle.connections).toBe(1));
  });

  test('a client that disconnects mid-command does not disturb the host', async () => {
    const { handle } = await start();
    const bystander = await loggedIn(handle.port);
    const quitter = await loggedIn(handle.port);
    quitter.send("await new Promise((r) => setTimeout(r, 200)); console.log('done'); 'result'");
    quitter.socket.destroy();
    const chatty = await loggedIn(handle.port);
    chatty.send("for (let i = 0; i < 2000; i++) console.log('x'.repeat(200))");
    chatty.socket.destroy();
    await sleep(400);
    expect(await bystander.run("'fine'")).toBe("'fine'");
    await vi.waitFor(() => expect([handle.connections, handle.sessions]).toEqual([1, 1]));
  });

  test('close() ends every connection, logged in or not, and stops listening', async () => {
    const { handle } = await start();
    const idle = await loggedIn(handle.port);
    const busy = await loggedIn(handle.port);
    busy.send('await new Promise(() => {})');
    const waiting = await Client.connect(handle.port);
    await waiting.waitFor('Username: ');
    expect(handle.connections).toBe(3);

    await handle.close();
    await Promise.all([idle.closed, busy.closed, waiting.closed]);
    expect(idle.text).toMatch(/trackref console closed\.\n$/);
    expect(waiting.text).toMatch(/trackref console closed\.\n$/);
    expect(handle.connections).toBe(0);
    await expect(Client.connect(handle.port)).rejects.toThrow(/ECONNREFUSED/);
    await handle.close(); // idempotent
  });

  test('Ctrl-C (telnet IAC IP) stops waiting for a command that hangs', async () => {
    const { handle } = await start();
    const client = await loggedIn(handle.port);
    const from = client.text.length;
    client.send('await new Promise(() => {})');
    await sleep(100);
    client.socket.write(Buffer.from([0xff, 0xf4]));
    expect(await client.waitFor(/\(interrupted: no longer waiting.*\n>>> $/, from)).toBeTruthy();
    expect(await client.run('1 + 1')).toBe('2');
  });

  test('telnet negotiation: the password is not echoed, client options are refused, CR NUL ends a line', async () => {
    const { handle } = await start();
    const client = await Client.connect(handle.port);
    await client.waitFor('Username: ');
    // IAC WILL NAWS, a NAWS sub-negotiation, IAC DO SUPPRESS-GO-AHEAD, then the username ended by CR NUL.
    client.socket.write(Buffer.from([0xff, 0xfb, 0x1f, 0xff, 0xfa, 0x1f, 0x00, 0x50, 0x00, 0x18, 0xff, 0xf0, 0xff, 0xfd, 0x03]));
    client.socket.write(Buffer.from('trackref\r\0', 'latin1'));
    await client.waitFor('Password: ');
    client.socket.write(Buffer.from([0xff, 0xfd, 0x01])); // IAC DO ECHO: agrees, needs no answer
    client.send(PASSWORD);
    await client.waitFor(/>>> $/);
    const bytes = Buffer.concat(client.raw);
    const at = (seq: number[]) => bytes.indexOf(Buffer.from(seq));
    expect(at([0xff, 0xfe, 0x1f])).toBeGreaterThan(-1); // IAC DONT NAWS
    expect(at([0xff, 0xfc, 0x03])).toBeGreaterThan(-1); // IAC WONT SUPPRESS-GO-AHEAD
    const willEcho = at([0xff, 0xfb, 0x01]);
    const wontEcho = at([0xff, 0xfc, 0x01]);
    expect(willEcho).toBeGreaterThan(-1);
    expect(willEcho).toBeLessThan(bytes.indexOf('Password: '));
    expect(wontEcho).toBeGreaterThan(bytes.indexOf('Password: '));
    expect(await client.run("'a\\u00ff' + 'b'")).toBe("'aÿb'");
  });

  test('hidePassword: false sends plain text only, for nc and raw sockets', async () => {
    const { handle } = await start({ hidePassword: false });
    const client = await loggedIn(handle.port);
    await client.run('prefs()');
    expect(Buffer.concat(client.raw).includes(0xff)).toBe(false);
  });

  test('input sent at once and then half-closed runs in order, then the console hangs up', async () => {
    const { handle } = await start();
    const client = await Client.connect(handle.port);
    client.socket.end(`trackref\r\n${PASSWORD}\r\nawait new Promise((r) => setTimeout(() => r('first'), 200))\r\n'second'\r\nfunction f() {\r\n  return 'third'\r\n}\r\nf()\r\n`);
    await client.closed;
    expect(client.text).toMatch(/>>> 'first'\n>>> 'second'\n>>> \.\.\. \.\.\. >>> 'third'\n>>> $/);
  });
});

describe('what a session has in scope', () => {
  class HtmlResponse extends ObjectRef {
    constructor(readonly url: string) {
      super();
    }
  }
  class Spider extends ObjectRef {}

  test('prefs(), getOldest() and iterAll() show the host process objects, printed to the client', async () => {
    const responses = [1, 2, 3].map((pid) => new HtmlResponse(`http://www.somenastyspider.com/product.php?pid=${pid}`));
    const spider = new Spider();
    const { handle } = await start({ scope: { Spider } });
    const client = await loggedIn(handle.port);
    const hostLog = vi.spyOn(console, 'log');
    try {
      const prefs = await client.run('prefs()');
      expect(prefs).toMatch(/^Live References\n\nHtmlResponse +3 {3}oldest: \d+s ago\nSpider +1 {3}oldest: \d+s ago\n$/);
      expect(await client.run('prefs({ ignore: Spider })')).not.toContain('Spider');
      expect(await client.run('printLiveRefs()')).toContain('HtmlResponse');
      expect(await client.run('formatLiveRefs().split("\\n")[0]')).toBe("'Live References'");
      expect(await client.run("getOldest('HtmlResponse').url")).toBe("'http://www.somenastyspider.com/product.php?pid=1'");
      expect(await client.run("[...iterAll('HtmlResponse')].map((r) => r.url.slice(-5))")).toBe("[ 'pid=1', 'pid=2', 'pid=3' ]");
      expect(await client.run("getOldest('NoSuchClass')")).toBe('');
      expect(await client.run('getOldest(42)')).toMatch(/^Uncaught:\nTrackrefError: getOldest\(\) takes a class name or a class/);
      expect(hostLog).not.toHaveBeenCalled();
    } finally {
      hostLog.mockRestore();
    }
    expect([responses, spider]).toHaveLength(2);
  });

  test('allocationSiteOf() tells where a live object was made, after captureAllocationSites(true)', async () => {
    captureAllocationSites(true);
    try {
      const made = new HtmlResponse('http://www.somenastyspider.com/made-here');
      const { handle } = await start({ scope: { made } });
      const client = await loggedIn(handle.port);
      expect(await client.run('allocationSiteOf(made).location')).toMatch(/^'test\/unit\/console\.test\.ts:\d+:\d+'$/);
      expect(await client.run('allocationSiteOf(made).excerpt[1]')).toContain("new HtmlResponse('http://www.somenastyspider.com/made-here')");
      expect(await client.run('allocationSiteOf(1)')).toMatch(/^Uncaught:\nTrackrefError: allocationSiteOf\(\) takes a tracked object, but received the number 1/);
    } finally {
      captureAllocationSites(false);
    }
  });

  test('heap() gives a Guppy-like view: by type, then by the reference it is held through', async () => {
    const { handle } = await start();
    const client = await loggedIn(handle.port);
    const byType = await client.run('h = heap(); h.bytype', 30_000);
    expect(byType).toMatch(/^Partition of a set of [\d,]+ objects\. Total size = [\d,]+ bytes\.\n/);
    expect(byType).toMatch(/Index +Count +% +Size +% +Cumulative +% Kind \(class \/ V8 kind\)\n +0 /);
    const byVia = await client.run('h.bytype[0].byvia');
    expect(byVia).toMatch(/Cumulative +% Referred via\n/);
    await client.run('delete h');
  });

  test('est() prints uptime, memory and live tracked counts, aligned', async () => {
    const responses = [new HtmlResponse('a'), new HtmlResponse('b')];
    const { handle } = await start();
    const client = await loggedIn(handle.port);
    const status = await client.run('est()');
    const lines = status.split('\n');
    expect(lines[0]).toBe(`trackref status (pid ${process.pid}, node ${process.version})`);
    for (const label of ['uptime', 'heap used', 'heap total', 'RSS', '  outside the JS heap', 'external', 'array buffers', 'console sessions', 'live tracked objects']) {
      const line = lines.find((l) => l.startsWith(label.padEnd(24)));
      expect(line, label).toBeDefined();
      expect(line!.length, label).toBe(36); // labels and values share two columns
    }
    expect(status).toMatch(/\nheap used +\d+\.\d MiB\n/);
    expect(status).toMatch(/\nuptime +(\d+[dhm] )*\d+s\n/);
    expect(status).toMatch(/\nconsole sessions +1\n/);
    expect(status).toMatch(/\nlive tracked objects +\d+\n {2}HtmlResponse +\d+ {3}oldest: \d+s ago\n/);
    expect(responses).toHaveLength(2);
  });

  test('top-level await works, and errors thrown by commands never reach the host', async () => {
    const uncaught = vi.fn();
    process.on('uncaughtException', uncaught);
    try {
      const { handle } = await start();
      const client = await loggedIn(handle.port);
      expect(await client.run('await collectGarbage()')).toBe('');
      expect(await client.run('await new Promise((r) => setTimeout(() => r(42), 10))')).toBe('42');
      expect(await client.run("throw new Error('boom')")).toMatch(/^Uncaught Error: boom/);
      expect(await client.run("await Promise.reject(new Error('awaited boom'))")).toMatch(/^Uncaught Error: awaited boom/);
      let from = client.text.length;
      client.send("setTimeout(() => { throw new Error('late boom') }, 10); 'scheduled'");
      await client.waitFor(/Uncaught Error: late boom/, from);
      from = client.text.length;
      client.send("(async () => { throw new Error('async boom') })(); 'fired'");
      await client.waitFor(/Uncaught Error: async boom/, from);
      await sleep(50);
      expect(await client.run("'alive'")).toBe("'alive'");
      expect(uncaught).not.toHaveBeenCalled();
    } finally {
      process.off('uncaughtException', uncaught);
    }
  });

  test('process.exit() in the console is refused instead of stopping the host', async () => {
    const { handle } = await start();
    const client = await loggedIn(handle.port);
    expect(await client.run('process.exit(3)')).toMatch(/TrackrefError: process\.exit\(\) would stop the host process, so the trackref console refuses it\. Type \.exit to leave/);
    expect(await client.run('process.abort()')).toMatch(/process\.abort\(\) would stop the host process/);
    expect(await client.run('process.pid')).toBe(String(process.pid));
    expect(process.exitCode).toBeUndefined();
    client.send('.exit');
    await client.closed;
    await vi.waitFor(() => expect(handle.sessions).toBe(0));
  });

  test('application variables are in scope; a scope function is called at each login', async () => {
    let logins = 0;
    const { handle } = await start({ scope: () => ({ engine: { name: 'engine', login: ++logins }, prefs: 'shadowed' }) });
    const first = await loggedIn(handle.port);
    expect(first.text).toContain('In scope: prefs, printLiveRefs, formatLiveRefs, getOldest, iterAll, allocationSiteOf, heap, collectGarbage, est, engine.');
    expect(await first.run('engine')).toBe("{ name: 'engine', login: 1 }");
    expect(await first.run('prefs')).toBe("'shadowed'");
    const second = await loggedIn(handle.port);
    expect(await second.run('engine.login')).toBe('2');
  });

  test('`_` holds only the last result: any next command, even one returning undefined, releases it', async () => {
    class Held extends ObjectRef {}
    const ref = new WeakRef((() => new Held())());
    const holder = { held: ref.deref() };
    const { handle } = await start();
    const client = await loggedIn(handle.port);
    expect(await client.run("getOldest('Held')")).toBe('Held {}');
    expect(await client.run('_ === getOldest(\'Held\')')).toBe('true');
    expect(await client.run('void 0')).toBe(''); // prints nothing, but replaces `_`
    expect(await client.run('typeof _')).toBe("'undefined'");
    holder.held = undefined;
    for (let i = 0; i < 5 && ref.deref() !== undefined; i++) {
      await collectGarbage();
      await sleep(20);
    }
    expect(ref.deref()).toBeUndefined(); // while the session is still open
    expect(handle.sessions).toBe(1);
  });

  test('the console keeps no reference to what a session looked at once the session ends', async () => {
    class Leaky extends ObjectRef {}
    const ref = new WeakRef((() => new Leaky())());
    const holder = { leaky: ref.deref() };
    const { handle } = await start();
    const client = await loggedIn(handle.port);
    await client.run("r = getOldest('Leaky')");
    await client.run("all = [...iterAll('Leaky')]");
    await client.run("getOldest('Leaky')"); // now in `_` too
    client.send('.exit');
    await client.closed;
    await vi.waitFor(() => expect(handle.sessions).toBe(0));
    holder.leaky = undefined;
    for (let i = 0; i < 5 && ref.deref() !== undefined; i++) {
      await collectGarbage();
      await sleep(20);
    }
    expect(ref.deref()).toBeUndefined();
  });
});
