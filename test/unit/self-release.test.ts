// The rule for holders that let go by themselves: objects held only through a timeout due soon or an
// idle keep-alive socket are waited for (at most SELF_RELEASE_LIMIT_MS) and then pass, in checkLeaks
// and in the per-test guard; objects a later timeout, an interval or a module variable holds fail
// without waiting. Real timers, a real loopback server, real garbage collection.
import { AsyncLocalStorage } from 'node:async_hooks';
import * as http from 'node:http';
import type { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';

const require = createRequire(import.meta.url);
const dist = path.resolve(import.meta.dirname, '../../dist/cjs');
const { ObjectRef, checkLeaks }: typeof import('../../src/index') = require(path.join(dist, 'src/index.js'));
const { LeakGuard }: typeof import('../../src/guard') = require(path.join(dist, 'src/guard.js'));

/** Not tracked: counted through the constructor hook. */
class Command {
  constructor(readonly n: number) {}
}
class Page extends ObjectRef {
  constructor(readonly n: number) {
    super();
  }
}

const timers: NodeJS.Timeout[] = [];

describe('checkLeaks', () => {
  test('an object a timeout releases in 4 s is waited for, and passes', async () => {
    const report = await checkLeaks(() => {
      const command = new Command(1);
      setTimeout(() => void command.n, 4000);
    }, Command);
    expect(report.leaked).toBe(false);
    expect(report.selfRelease).toMatchObject({ released: true });
    expect(report.selfRelease!.holders[0]).toMatch(/^a timeout due in \d\.\d s$/);
    expect(report.format()).toMatch(/held only by a timeout due in \d\.\d s; they were let go within \d+\.\d s: not a leak/);
  }, 60_000);

  test('an object a timeout holds for 20 s is a leak, with no wait', async () => {
    const report = await checkLeaks(() => {
      const command = new Command(2);
      timers.push(setTimeout(() => void command.n, 20_000));
    }, Command);
    timers.splice(0).forEach(clearTimeout);
    expect(report.leaked).toBe(true);
    expect(report.selfRelease).toBeUndefined();
    expect(report.rows[0]!.oldest[0]!.retainerPath).toMatch(/^setTimeout\(…, 20000\) pending, due in \d+\.\d s/);
  }, 60_000);

  test('an object an interval holds is a leak, with no wait', async () => {
    const report = await checkLeaks(() => {
      const command = new Command(3);
      timers.push(setInterval(() => void command.n, 1000));
    }, Command);
    timers.splice(0).forEach(clearInterval);
    expect([report.leaked, report.selfRelease]).toEqual([true, undefined]);
  }, 60_000);

  /** A loopback server; `get` makes a request through `agent` and hands the response's socket to `onSocket`. */
  async function withServer(body: (get: (agent: http.Agent, onSocket?: (socket: Socket) => void) => Promise<void>) => Promise<void>): Promise<void> {
    const server = http.createServer((_req, res) => res.end('ok')).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      await body(
        (agent, onSocket) =>
          new Promise((resolve, reject) => {
            http
              .get({ host: '127.0.0.1', port, agent }, (res) => {
                onSocket?.(res.socket);
                res.resume();
                res.on('end', resolve);
              })
              .on('error', reject);
          }),
      );
    } finally {
      server.closeAllConnections();
      server.close();
    }
  }

  test('an object in the AsyncLocalStorage store of an idle keep-alive socket is waited for until the socket closes', async () => {
    const als = new AsyncLocalStorage<{ page: Page }>();
    await withServer(async (get) => {
      // A new socket per call, opened inside the call's context: it carries the store while it idles
      // in its agent's free list (3 s, longer than the back-off), as a crawler's requests do.
      const report = await checkLeaks(() => als.run({ page: new Page(1) }, () => get(new http.Agent({ keepAlive: true, timeout: 3000 }))), Page);
      expect(report.leaked).toBe(false);
      expect(report.selfRelease).toMatchObject({ released: true });
    });
  }, 60_000);

  test("listeners piling up on a pooled socket are a leak, with no wait (node-fetch#1446's shape)", async () => {
    const agent = new http.Agent({ keepAlive: true, timeout: 3000 });
    await withServer(async (get) => {
      const report = await checkLeaks(() => {
        const page = new Page(2);
        return get(agent, (socket) => socket.once('close', () => void page.n));
      }, Page);
      expect([report.leaked, report.selfRelease]).toEqual([true, undefined]);
      // Reached through the socket's listener list (from the agent's free list, or from the timer list
      // that holds the socket's idle timeout).
      expect(report.rows[0]!.oldest[0]!.retainerPath).toMatch(/listeners 'close'\[\d+\](?:\.listener)? → anonymous\(\) → page$/);
    });
    agent.destroy();
  }, 60_000);
});

describe('the per-test guard', () => {
  test('a test whose objects a timeout releases in 2 s passes; one held for 20 s fails without waiting for it', async () => {
    const guard = new LeakGuard();
    // Each test's objects are made in a function of their own: only the timer holds them.
    const heldByTimer = (ms: number): NodeJS.Timeout => {
      const page = new Page(ms);
      return setTimeout(() => void page.n, ms);
    };
    const soon = guard.begin({ name: 'soon', file: 'a.test.ts' });
    heldByTimer(2000);
    expect(await guard.end(soon, true)).toBeUndefined();
    const late = guard.begin({ name: 'late', file: 'a.test.ts' });
    // Cleared through a WeakRef: a strong reference here would be the shortest path.
    const timer = new WeakRef(heldByTimer(20_000));
    const error = await guard.end(late, true);
    clearTimeout(timer.deref());
    expect(error?.message).toMatch(/held by {2}setTimeout\(…, 20000\) pending/);
    expect(error?.report.selfRelease).toBeUndefined();
  }, 60_000);
});
