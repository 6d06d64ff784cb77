// Ages: how old the oldest live instance is, as formatLiveRefs and leak reports print it. Only lower
// bounds (with slack) are asserted: the machine may be busy, so an age can only be larger.
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { expect, test } from 'vitest';
import { ObjectRef, checkLeaks, formatLiveRefs, track } from 'trackref';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function oldestSeconds(className: string): number {
  const line = formatLiveRefs()
    .split('\n')
    .find((l) => l.startsWith(className.padEnd(30)));
  if (line === undefined) throw new Error(`no ${className} line in formatLiveRefs()`);
  return Number(/oldest: (\d+)s ago$/.exec(line)![1]);
}

test('an object created 1.2 s ago is reported as at least 1s old', async () => {
  class Aged extends ObjectRef {}
  const aged = new Aged();
  await sleep(1200);
  expect(oldestSeconds('Aged')).toBeGreaterThanOrEqual(1);
  // The oldest instance decides, not the newest.
  const fresh = new Aged();
  expect(oldestSeconds('Aged')).toBeGreaterThanOrEqual(1);
  expect([aged, fresh]).toHaveLength(2);
});

test('objects passed to track() age the same way', async () => {
  class LibAged {}
  const aged = track(new LibAged());
  await sleep(1200);
  expect(oldestSeconds('LibAged')).toBeGreaterThanOrEqual(1);
  expect(aged).toBeInstanceOf(LibAged);
});

test('a fresh object is younger than one made before a 1.2 s wait', async () => {
  class Young extends ObjectRef {}
  await sleep(1200);
  const young = new Young();
  // Upper bound with lots of slack: only asserts that the wait before creation is not counted.
  expect(oldestSeconds('Young')).toBeLessThan(60);
  expect(young).toBeInstanceOf(Young);
});

test("a leak report gives the leaked instance's age", async () => {
  class Slow extends ObjectRef {
    constructor(readonly url: string) {
      super();
    }
  }
  const kept: Slow[] = [];
  const report = await checkLeaks(async () => {
    kept.push(new Slow(`http://example.com/slow/${kept.length}`));
    await sleep(600);
  }, Slow);
  expect(report.leaked).toBe(true);
  const row = report.rows.find((r) => r.className === 'Slow')!;
  expect(row.oldest.length).toBeGreaterThan(0);
  // Created at the start of a call that then waited 600 ms.
  expect(row.oldest[0]!.ageMs).toBeGreaterThanOrEqual(500);
  expect(report.format()).toMatch(/\d+(?:\.\d)?s ago/);
});

test("a guarded test's first object is aged from the test's start, not from before a blocked event loop (the snapshot of the test before)", async () => {
  const require = createRequire(import.meta.url);
  const dist = path.dirname(require.resolve('trackref'));
  const { LeakGuard }: typeof import('../../src/guard') = require(path.join(dist, 'guard.js'));
  const { stampTime, now }: typeof import('../../src/clock') = require(path.join(dist, 'clock.js'));
  const { stampOf }: typeof import('../../src/object-ref') = require(path.join(dist, 'object-ref.js'));
  class Crawled extends ObjectRef {}
  const guard = new LeakGuard();
  const before = guard.begin({ name: 'makes objects, so the clock is sampled', file: 'ages.test.ts' });
  const first = new Crawled();
  await guard.end(before, true);
  void first;
  // The event loop blocked, as by a heap snapshot: the sampling timer cannot run meanwhile.
  const blockedUntil = Date.now() + 300;
  while (Date.now() < blockedUntil);
  const afterBlock = now();
  const next = guard.begin({ name: 'the next test', file: 'ages.test.ts' });
  const made = new Crawled();
  expect(stampTime(stampOf(made)!)).toBeGreaterThanOrEqual(afterBlock);
  await guard.end(next, true);
});

test('an object made after an idle spell is aged from when it was made, not from the spell’s first clock sample', async () => {
  // The sampling timer stops once no object was made for one interval (100 ms); its last sample has
  // the same stamp as the next object's slow path sample. The later sample must win: before, both
  // objects of a guarded test made 2 s apart were given the first one's age.
  const require = createRequire(import.meta.url);
  const dist = path.dirname(require.resolve('trackref'));
  const { stampTime }: typeof import('../../src/clock') = require(path.join(dist, 'clock.js'));
  const { stampOf }: typeof import('../../src/object-ref') = require(path.join(dist, 'object-ref.js'));
  class Spelled extends ObjectRef {}
  const first = new Spelled();
  await sleep(1200);
  const second = new Spelled();
  // Only a lower bound: a busy machine can only make the gap between the two larger.
  expect(stampTime(stampOf(second)!) - stampTime(stampOf(first)!)).toBeGreaterThanOrEqual(1000);
});
