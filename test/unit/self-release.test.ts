// The rule for holders that let go by themselves: objects held only through a timeout due soon or an
// idle keep-alive socket are waited for (at most SELF_RELEASE_LIMIT_MS) and then pass, in checkLeaks
// and in the per-test guard; objects a later timeout, an interval or a module variable holds fail
// without waiting. Real timers, a real loopback server, real garbage collection.
import * as http from 'node:http';
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

  test('an object held by an idle keep-alive socket (a listener on it) is waited for until the socket closes', async () => {
    const server = http.createServer((_req, res) => res.end('ok')).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    // Idle sockets are closed after 3 s, as an agent's keep-alive timeout does: longer than the
    // back-off, so only the wait for the socket lets the check pass.
    const agent = new http.Agent({ keepAlive: true, timeout: 3000 });
    try {
      const get = (): Promise<void> =>
        new Promise((resolve, reject) => {
          http
            .get({ host: '127.0.0.1', port, agent }, (res) => {
              const page = new Page(port);
              res.socket.once('close', () => void page.n);
              res.resume();
              res.on('end', resolve);
            })
            .on('error', reject);
        });
      const report = await checkLeaks(get, Page);
      expect(report.leaked).toBe(false);
      expect(report.selfRelease).toMatchObject({ released: true });
    } finally {
      agent.destroy();
      server.close();
    }
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
