// Retainer paths of objects held both by a runtime root and by a holder of the user's own code, in
// this process (a Vitest fork). An open socket's listener holds the object, and so does a module
// variable, a global or a class static of this file: the socket's path is the shortest one (the
// socket is a root of its own), but the user can only act on their holder, so the report must show
// the path through it (`pools[2]`) and the socket's as `also held by`. An object only the socket
// holds keeps the socket's path.
//
// fn is called 5 times per check (1 warm-up, 1 counted by births, 1 measured on the heap, 2 more
// after the verdict): the reported instance is the third made, index [2].
import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import { ObjectRef, checkLeaks, type LeakReport } from 'trackref';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

class Pool extends ObjectRef {
  constructor(readonly url: string) {
    super();
  }
}

class PoolRegistry {
  static all: Pool[] = [];
}

const pools: Pool[] = [];
const globals = globalThis as unknown as Record<string, Pool[] | undefined>;
let server: net.Server;
let url = '';
// The server's ends only: the client sockets must be held by nothing of this file but the pool's
// holders (they close when the server's ends are destroyed).
const accepted: net.Socket[] = [];

beforeAll(async () => {
  server = net.createServer((socket) => accepted.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `tcp://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
});

afterAll(async () => {
  for (const socket of accepted) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** A pool whose open connection holds it, as an HTTP client's pool is held by its socket's listeners (undici's `Pool`). */
async function connectedPool(): Promise<Pool> {
  const pool = new Pool(url);
  const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.on('drain', () => pool.url);
  return pool;
}

/** The oldest leaked instance's path and its `also held by`, checked against report.format() too. */
async function heldBy(fn: () => Promise<void>): Promise<{ path: string | undefined; also: string | undefined }> {
  const report: LeakReport = await checkLeaks(fn, Pool);
  expect(report.leaked).toBe(true);
  expect(report.calls).toBe(5);
  const instance = report.rows[0]!.oldest[0]!;
  const text = report.format();
  expect([...text.matchAll(/^\s*held by {2}(.*)$/gm)].map((match) => match[1])).toEqual([instance.retainerPath]);
  const alsoLines = [...text.matchAll(/^\s*also held by {2}(.*)$/gm)].map((match) => match[1]);
  expect(alsoLines).toEqual(instance.alsoHeldBy === undefined ? [] : [instance.alsoHeldBy]);
  return { path: instance.retainerPath, also: instance.alsoHeldBy };
}

describe('an object an open socket holds and a holder of the user code holds too', () => {
  test('a module variable: the path through it, the socket as also held by', async () => {
    pools.length = 0;
    const { path, also } = await heldBy(async () => {
      pools.push(await connectedPool());
    });
    expect(path).toBe('pools[2]');
    expect(also).toMatch(/^\(open Socket\) listeners 'drain' → anonymous\(\) → pool$/);
    pools.length = 0;
  });

  // Paths from global objects are preferred (graph.ts), so the global's path is often the shortest
  // one already; either way it is the one shown.
  test('a global the user set', async () => {
    globals.keptPools = [];
    try {
      const { path, also } = await heldBy(async () => {
        globals.keptPools!.push(await connectedPool());
      });
      expect(path).toBe('globalThis.keptPools[2]');
      if (also !== undefined) expect(also).toMatch(/^\(open Socket\) listeners 'drain'/);
    } finally {
      delete globals.keptPools;
    }
  });

  test('a static field of a class', async () => {
    PoolRegistry.all = [];
    const { path, also } = await heldBy(async () => {
      PoolRegistry.all.push(await connectedPool());
    });
    expect(path).toBe('PoolRegistry.all[2]');
    expect(also).toMatch(/^\(open Socket\) listeners 'drain'/);
    PoolRegistry.all = [];
  });

  test('only the socket holds it: the socket path, nothing else', async () => {
    const { path, also } = await heldBy(async () => {
      await connectedPool();
    });
    expect(path).toBe("(open Socket) listeners 'drain' → anonymous() → pool");
    expect(also).toBeUndefined();
  });
});

// A new user's report blamed `lastRequest` (a variable replaced on every call) for a leak whose
// growth was one listener per call on an emitter of theirs: with runs: 1 the one instance shown is
// the newest, which the last-value variable holds too, and it is the shortest path.
const settings = new EventEmitter().setMaxListeners(0);
let lastPool: Pool | undefined;

describe('an object a last-value variable holds, and an entry of the user code too', () => {
  test('the path through the entry (one listener per call), the variable as also held by', async () => {
    const { path, also } = await heldBy(async () => {
      const pool = new Pool(url);
      lastPool = pool;
      settings.on('change', () => pool.url);
    });
    expect(path).toMatch(/^settings listeners 'change'\[2\] → anonymous\(\) → pool$/);
    expect(also).toBe('lastPool');
    settings.removeAllListeners();
    lastPool = undefined;
  });

  test('only the variable holds it: its path, nothing else', async () => {
    const kept: Pool[] = [];
    const report = await checkLeaks(() => {
      const pool = new Pool(url);
      lastPool = pool;
      kept.push(pool);
      kept.pop();
    }, Pool);
    // The variable keeps one: no growth, nothing to show.
    expect(report.leaked, report.format()).toBe(false);
    expect(lastPool).toBeDefined();
  });
});
