// allocationSiteOf(obj) and captureAllocationSites(on): where a tracked object was made, for live
// debugging. Sites are recorded while capture is on (or while a check or guarded test runs) and
// let go of once nothing captures any more.
import { expect, test } from 'vitest';
import { ObjectRef, TrackrefError, allocationSiteOf, captureAllocationSites, checkLeaks, track } from 'trackref';

class Request extends ObjectRef {
  constructor(readonly url: string) {
    super();
  }
}
class LibRequest {
  constructor(readonly url: string) {}
}

const LINE = /^test\/unit\/allocation-sites\.test\.ts:(\d+):\d+$/;

test('off by default: no site is recorded outside checks', () => {
  expect(allocationSiteOf(new Request('http://a/'))).toBeUndefined();
});

test('while on, the site of every tracked object: extends ObjectRef and track(), with the source lines', () => {
  captureAllocationSites(true);
  try {
    const request = new Request('http://a/');
    const tracked = track(new LibRequest('http://b/'));
    const site = allocationSiteOf(request)!;
    expect(site.location).toMatch(LINE);
    expect(site.file).toMatch(/allocation-sites\.test\.ts$/);
    expect(site.excerpt[1]).toContain("const request = new Request('http://a/');");
    expect(site.excerpt[0]).toMatch(/^\s+\d+ \| {3}try \{$/);
    expect(allocationSiteOf(tracked)!.line).toBe(site.line + 1);
    expect(allocationSiteOf(tracked)!.excerpt[1]).toContain("track(new LibRequest('http://b/'))");
  } finally {
    captureAllocationSites(false);
  }
});

test('turning capture off lets go of the sites recorded', () => {
  captureAllocationSites(true);
  const request = new Request('http://a/');
  expect(allocationSiteOf(request)).toBeDefined();
  captureAllocationSites(false);
  expect(allocationSiteOf(request)).toBeUndefined();
});

test('sites recorded while capture is on survive a check that runs meanwhile', async () => {
  captureAllocationSites(true);
  try {
    const request = new Request('http://a/');
    const report = await checkLeaks(() => new Request('http://c/'), Request);
    expect(report.leaked).toBe(false);
    expect(allocationSiteOf(request)?.location).toMatch(LINE);
  } finally {
    captureAllocationSites(false);
  }
});

test('an object that is not tracked has no site; a non-object is refused with what to pass', () => {
  captureAllocationSites(true);
  try {
    expect(allocationSiteOf(new LibRequest('http://a/'))).toBeUndefined();
  } finally {
    captureAllocationSites(false);
  }
  expect(() => allocationSiteOf('http://a/' as never)).toThrow(TrackrefError);
  expect(() => allocationSiteOf(null as never)).toThrow(/allocationSiteOf\(\) takes a tracked object, but received null\. Pass an instance, e\.g\. allocationSiteOf\(getOldest\('HtmlResponse'\)\)/);
  expect(() => captureAllocationSites('yes' as never)).toThrow(/captureAllocationSites\(\) takes true or false, but received the string "yes"\. Pass true to record/);
});

test('objects made at one line share its site, other lines and callers get theirs; Error.prepareStackTrace is left as it was', () => {
  const before = Error.prepareStackTrace;
  const make = (url: string): Request => new Request(url);
  captureAllocationSites(true);
  try {
    const looped = [0, 1, 2].map((i) => new Request(`http://a/${i}`));
    const other = new Request('http://b/');
    const viaHelper = make('http://c/');
    const sites = looped.map((request) => allocationSiteOf(request)!);
    expect(new Set(sites.map((site) => site.location)).size).toBe(1);
    expect(sites[0]!.excerpt[1]).toContain('new Request(`http://a/${i}`)');
    expect(allocationSiteOf(other)!.line).toBe(sites[0]!.line + 1);
    expect(allocationSiteOf(other)!.excerpt[1]).toContain("new Request('http://b/')");
    expect(allocationSiteOf(viaHelper)!.excerpt[1]).toContain('new Request(url)');
    expect(allocationSiteOf(viaHelper)!.line).toBeLessThan(sites[0]!.line);
    expect(Error.prepareStackTrace).toBe(before);
  } finally {
    captureAllocationSites(false);
  }
});

/**
 * A library under node_modules/ that makes its objects from a setImmediate loop, as a crawler's task
 * pool fetches its next request: the test's frames are not on those stacks. `run(n)` starts a loop
 * for n jobs; `start()` starts a polling timer that runs the loops `enqueue(n)` asks for.
 */
async function loopLibrary(): Promise<{ Job: new (n: number) => object; run(count: number): Promise<void>; start(): void; stop(): void; enqueue(count: number): Promise<void> }> {
  const { mkdtempSync, mkdirSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { createRequire } = await import('node:module');
  const dir = join(mkdtempSync(join(tmpdir(), 'trackref-loop-')), 'node_modules', 'loop-lib');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'index.js'),
    [
      'class Job { constructor(n) { this.n = n; } }',
      'const done = [];',
      'const queue = [];',
      'function fetchNext(n) { return new Job(n); }',
      'function tick(left, resolve) { done.push(fetchNext(left)); if (left > 1) setImmediate(tick, left - 1, resolve); else resolve(); }',
      'function run(count) { return new Promise((resolve) => setImmediate(tick, count, resolve)); }',
      'let timer;',
      'function start() { timer = setInterval(() => { const item = queue.shift(); if (item) tick(item.count, item.resolve); }, 1); }',
      'function stop() { clearInterval(timer); }',
      'function enqueue(count) { return new Promise((resolve) => queue.push({ count, resolve })); }',
      'module.exports = { Job, run, start, stop, enqueue };',
    ].join('\n'),
  );
  return createRequire(import.meta.url)(join(dir, 'index.js'));
}

test("an object a library's loop made, started by the test's call: that call's line, with the library's frame, its callers and a note", async () => {
  const lib = await loopLibrary();
  const report = await checkLeaks(() => lib.run(3), lib.Job);
  expect(report.leaked).toBe(true);
  const site = report.rows[0]!.oldest[0]!.allocationSite!;
  expect(site.location).toMatch(LINE);
  expect(site.excerpt[1]).toContain('checkLeaks(() => lib.run(3), lib.Job)');
  expect(site.asyncStart).toBe(true);
  expect(site.via).toMatch(/loop-lib\/index\.js:4:\d+ \(fetchNext\)$/);
  expect(site.from![0]).toMatch(/loop-lib\/index\.js:5:\d+ \(Immediate\.tick \[as _onImmediate\]\)$/);
  const text = report.format();
  expect(text).toMatch(/made at {2}test\/unit\/allocation-sites\.test\.ts:\d+:\d+\n/);
  expect(text).toMatch(/via {2}\S*loop-lib\/index\.js:4:\d+ \(fetchNext\)\n\s+from {2}\S*loop-lib\/index\.js:5:\d+ \(Immediate\.tick/);
  expect(text).toContain('(made later, in a callback of the async work this line started: no frame of your code was on the stack)');
});

test("an object a library's own loop made, started before the check: the library's frame, its callers and a note", async () => {
  const lib = await loopLibrary();
  lib.start();
  try {
    const report = await checkLeaks(() => lib.enqueue(3), lib.Job);
    expect(report.leaked).toBe(true);
    const site = report.rows[0]!.oldest[0]!.allocationSite!;
    expect(site.location).toMatch(/node_modules\/loop-lib\/index\.js:4:\d+$/);
    expect(site.asyncStart).toBeUndefined();
    expect(site.from![0]).toMatch(/loop-lib\/index\.js:4:\d+ \(fetchNext\)$/);
    expect(site.from![1]).toMatch(/loop-lib\/index\.js:5:\d+ \((?:Immediate\.)?tick/);
    const text = report.format();
    expect(text).toMatch(/made at {2}\S*loop-lib\/index\.js:4:\d+ \(fetchNext\)/);
    expect(text).toContain("no frame of your code was on the stack: the library's own work made it");
  } finally {
    lib.stop();
  }
});

test('an object Node made in a callback (an http response): the line of the request that started it, via Node\'s frame; a preview of its identifying fields', async () => {
  const http = await import('node:http');
  const server = http.createServer((_request, response) => response.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const seen: object[] = [];
  try {
    const report = await checkLeaks(
      () =>
        new Promise<void>((resolve, reject) => {
          http.get(`http://127.0.0.1:${port}/`, (response) => { seen.push(response); response.resume(); response.on('end', resolve); }).on('error', reject);
        }),
      http.IncomingMessage,
    );
    expect(report.leaked).toBe(true);
    const site = report.rows[0]!.oldest[0]!.allocationSite!;
    expect(site.location).toMatch(LINE);
    expect(site.excerpt[1]).toContain('http.get(`http://127.0.0.1:${port}/`');
    expect(site.asyncStart).toBe(true);
    expect(site.via).toMatch(/^node:_http_common:\d+:\d+ \(.*parserOnHeadersComplete\)$/);
    // Its preview shows what identifies it, not Node's internals (`_events`, `_readableState`…).
    expect(report.rows[0]!.oldest[0]!.preview).toMatch(/^IncomingMessage \{ statusCode: 200, statusMessage: 'OK', /);
  } finally {
    seen.length = 0;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

test("a preview of an object that keeps every field behind an underscore (ws's WebSocket): those fields, its url first, not EventEmitter's", async () => {
  const { WebSocket, WebSocketServer } = await import('ws');
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  const open: InstanceType<typeof WebSocket>[] = [];
  try {
    const report = await checkLeaks(async () => {
      const socket = new WebSocket(`ws://127.0.0.1:${port}/`);
      open.push(socket);
      await new Promise((resolve) => socket.once('open', resolve));
    }, WebSocket, { paths: false });
    expect(report.leaked, report.format()).toBe(true);
    const preview = report.rows[0]!.oldest[0]!.preview;
    expect(preview, report.format()).toMatch(/^WebSocket \{ _url: 'ws:\/\/127\.0\.0\.1:\d+\/', /);
    expect(preview).not.toMatch(/_events|_maxListeners/);
  } finally {
    for (const socket of open) socket.terminate();
    open.length = 0;
    await new Promise((resolve) => server.close(resolve));
  }
});

test("a preview of an EventEmitter whose fields are private (piscina's Piscina): its class, without EventEmitter's bookkeeping", async () => {
  const { EventEmitter } = await import('node:events');
  class WorkerPool extends EventEmitter {
    #size = 4;
    get size(): number {
      return this.#size;
    }
  }
  const pools: WorkerPool[] = [];
  const report = await checkLeaks(() => {
    const pool = new WorkerPool();
    pool.on('error', () => undefined);
    pools.push(pool);
  }, WorkerPool, { paths: false });
  pools.length = 0;
  expect(report.leaked, report.format()).toBe(true);
  const preview = report.rows[0]!.oldest[0]!.preview;
  expect(preview, report.format()).not.toMatch(/_events|_eventsCount|_maxListeners|shapeMode|kCapture/);
  expect(preview).toMatch(/^WorkerPool\b/);
});

test("an object Node made for a package the user called (a UDP client's socket): `via` names the package's frame, not Node's", async () => {
  // A new user's hot-shots client: `via  node:dgram:170:10 (Object.createSocket)`, nothing naming hot-shots.
  const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { createRequire } = await import('node:module');
  const dgram = await import('node:dgram');
  const root = mkdtempSync(join(tmpdir(), 'trackref-via-'));
  const lib = join(root, 'node_modules', 'udp-lib');
  mkdirSync(lib, { recursive: true });
  writeFileSync(
    join(lib, 'index.js'),
    "const dgram = require('node:dgram');\nfunction openTransport() { return dgram.createSocket('udp4'); }\nexports.Client = class Client { constructor() { this.socket = openTransport(); } };\n",
  );
  const { Client } = createRequire(join(root, 'index.js'))('udp-lib') as { Client: new () => { socket: import('node:dgram').Socket } };
  const open: Array<{ socket: import('node:dgram').Socket }> = [];
  try {
    const report = await checkLeaks(() => {
      open.push(new Client());
    }, dgram.Socket, { paths: false });
    expect(report.leaked, report.format()).toBe(true);
    const site = report.rows[0]!.oldest[0]!.allocationSite!;
    expect(site.location, report.format()).toMatch(LINE);
    expect(site.via, report.format()).toMatch(/node_modules\/udp-lib\/index\.js:2:\d+ \(openTransport\)$/);
  } finally {
    for (const client of open) client.socket.close();
    rmSync(root, { recursive: true, force: true });
  }
});
