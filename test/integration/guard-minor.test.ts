// The guard's minor-first path, in this process (no runner spawned), with real objects and real
// collections: a test whose births all died young passes after one scavenge, with no full
// collection; a test with survivors (a leak, births promoted to the old generation, births held by a
// WeakRef) goes to the full-collection path, which passes the clean ones and fails the leaking ones.
// Each case reads the guard's stats to know which path judged it, so a fast path that passes a leak,
// fails a clean test, or is never taken, fails here.
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks';
import { describe, expect, test } from 'vitest';

const require = createRequire(import.meta.url);
const dist = path.resolve(import.meta.dirname, '../../dist/cjs');
type Core = typeof import('../../src/index');
type GuardModule = typeof import('../../src/guard');
type GcModule = typeof import('../../src/gc');
type CountModule = typeof import('../../src/weak-count');
const { ObjectRef, checkLeaks, track }: Core = require(path.join(dist, 'src/index.js'));
const { LeakGuard, guardStats }: GuardModule = require(path.join(dist, 'src/guard.js'));
const { collectYoung, gcFunction }: GcModule = require(path.join(dist, 'src/gc.js'));
const { liveEntries }: CountModule = require(path.join(dist, 'src/weak-count.js'));

class Page extends ObjectRef {
  readonly body: string;
  constructor(readonly url: string) {
    super();
    this.body = `<html>${url}</html>`;
  }
}
class Spider extends ObjectRef {}
class Plain {
  constructor(readonly n: number) {}
}

const kept: object[] = [];
const file = 'guard-minor.test.ts';

type Counts = { checked: number; noCollection: number; scavenge: number; fullCollection: number; scavenges: number };
/** The guard's counts since `before` (a snapshot of them). */
/** Counts the full (major) collections of this thread from now until `stop()`, V8's own included. */
function watchMajorCollections(): { stop(): Promise<number> } {
  let majors = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if ((entry as { detail?: { kind?: number } }).detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) majors++;
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    async stop() {
      // GC entries are delivered after the fact.
      await new Promise((resolve) => setTimeout(resolve, 20));
      observer.disconnect();
      return majors;
    },
  };
}

function since(before: Counts): Counts {
  const now = snapshot();
  return { checked: now.checked - before.checked, noCollection: now.noCollection - before.noCollection, scavenge: now.scavenge - before.scavenge, fullCollection: now.fullCollection - before.fullCollection, scavenges: now.scavenges - before.scavenges };
}
function snapshot(): Counts {
  const { checked, noCollection, scavenge, fullCollection, scavenges } = guardStats();
  return { checked, noCollection, scavenge, fullCollection, scavenges };
}

/**
 * A full collection before a test whose path (scavenge or full collection) is asserted: a major
 * collection the runtime runs on its own during the test (incremental marking, started by earlier
 * tests' garbage, finished by a task while the guard waits its macrotask) could promote the test's
 * objects, or clear WeakRefs before the scavenge; the verdict would be the same, the path not.
 */
function settleHeap(): void {
  gcFunction()();
}

/** Makes `count` pages in their own frame; keeps them in `kept` when asked. */
function make(count: number, keep: boolean, tag = 'page'): void {
  for (let i = 0; i < count; i++) {
    const page = new Page(`http://example.com/${tag}/${i}`);
    if (keep) kept.push(page);
  }
}

/**
 * Makes `count` pages and keeps them through scavenges until they are in the old generation, then
 * lets them go (or keeps them, with `keep`). Proves the promotion with a witness WeakSet: after the
 * pages are dropped, a scavenge must leave their entries in place.
 */
function makePromoted(count: number, keep: boolean): void {
  const witness = new WeakSet<object>();
  const holder: { pages: Page[] | undefined } = { pages: [] };
  (() => {
    for (let i = 0; i < count; i++) {
      const page = new Page(`http://example.com/old/${i}`);
      witness.add(page);
      holder.pages!.push(page);
    }
  })();
  for (let i = 0; i < 3; i++) collectYoung();
  if (keep) kept.push(...holder.pages!);
  holder.pages = undefined;
  collectYoung();
  // Dropped (unless kept) and still there after a scavenge: they were promoted, only a full collection frees them.
  expect(liveEntries(witness)).toBe(count);
}

describe("check: 'each-test', minor-first", () => {
  const guard = new LeakGuard({ ignore: ['Spider'] });

  test('a clean test whose objects died young passes after one scavenge, with no full collection', async () => {
    settleHeap();
    const before = snapshot();
    const window = guard.begin({ name: 'young clean', file });
    make(50, false);
    await expect(guard.end(window, true)).resolves.toBeUndefined();
    expect(since(before)).toEqual({ checked: 1, noCollection: 0, scavenge: 1, fullCollection: 0, scavenges: 1 });
  });

  test('a leaking test outlives the scavenge, goes to the full collection and fails with the report', async () => {
    const before = snapshot();
    const window = guard.begin({ name: 'young leak', file });
    make(20, false);
    make(2, true, 'kept');
    const error = await guard.end(window, true);
    expect(error?.name).toBe('LeakGuardError');
    expect(error?.report.rows.map((row) => [row.className, row.leaked])).toEqual([['Page', 2]]);
    expect(error?.message).toMatch(/held by .*kept\[\d+\]/);
    expect(since(before)).toMatchObject({ checked: 1, scavenge: 0, fullCollection: 1, scavenges: 1 });
    kept.length = 0;
  }, 60_000);

  test('a clean test whose objects were promoted to the old generation falls back to a full collection and passes', async () => {
    const before = snapshot();
    const majors = watchMajorCollections();
    const window = guard.begin({ name: 'promoted clean', file });
    makePromoted(30, false);
    make(10, false);
    await expect(guard.end(window, true)).resolves.toBeUndefined();
    const counts = since(before);
    const v8Majors = await majors.stop();
    if (counts.fullCollection === 0) {
      // V8 finished a major collection of its own meanwhile (incremental marking, on a busy machine)
      // and freed the promoted objects: the scavenge was then enough. Only V8 can have collected them.
      expect(v8Majors, `the scavenge alone passed promoted objects, with no major collection seen: ${JSON.stringify(counts)}`).toBeGreaterThan(0);
      expect(counts).toEqual({ checked: 1, noCollection: 0, scavenge: 1, fullCollection: 0, scavenges: 1 });
    } else {
      expect(counts).toEqual({ checked: 1, noCollection: 0, scavenge: 0, fullCollection: 1, scavenges: 1 });
    }
  });

  test('a test that leaks promoted objects fails with exactly those', async () => {
    const before = snapshot();
    const window = guard.begin({ name: 'promoted leak', file });
    makePromoted(3, true);
    make(10, false);
    const error = await guard.end(window, true);
    expect(error?.report.rows.map((row) => [row.className, row.after - row.before])).toEqual([['Page', 3]]);
    expect(since(before)).toMatchObject({ scavenge: 0, fullCollection: 1 });
    kept.length = 0;
  }, 60_000);

  test('one young leak among promoted dead objects fails with +1', async () => {
    const window = guard.begin({ name: 'mixed', file });
    makePromoted(20, false);
    make(1, true, 'one');
    const error = await guard.end(window, true);
    expect(error?.report.rows.map((row) => [row.className, row.leaked])).toEqual([['Page', 1]]);
    kept.length = 0;
  }, 60_000);

  test('objects held only by a WeakRef (strong to a scavenge) take the full collection and pass', async () => {
    const refs: Array<WeakRef<object>> = [];
    settleHeap();
    const before = snapshot();
    const window = guard.begin({ name: 'weakly held', file });
    (() => {
      for (let i = 0; i < 5; i++) refs.push(new WeakRef(new Page(`http://example.com/weak/${i}`)));
    })();
    await expect(guard.end(window, true)).resolves.toBeUndefined();
    expect(since(before)).toMatchObject({ scavenge: 0, fullCollection: 1 });
    expect(refs.every((ref) => ref.deref() === undefined)).toBe(true);
  });

  test('objects passed to track() (held by its WeakRef) take the full collection: clean passes, kept fails', async () => {
    const clean = guard.begin({ name: 'tracked clean', file });
    (() => {
      for (let i = 0; i < 5; i++) track(new Plain(i));
    })();
    await expect(guard.end(clean, true)).resolves.toBeUndefined();
    const leaky = guard.begin({ name: 'tracked leak', file });
    kept.push(track(new Plain(99)));
    const error = await guard.end(leaky, true);
    expect(error?.report.rows.map((row) => [row.className, row.leaked])).toEqual([['Plain', 1]]);
    kept.length = 0;
  }, 60_000);

  test('objects made by a toLeak check inside the test that outlive the check in the old generation take the full collection and pass', async () => {
    const before = snapshot();
    const window = guard.begin({ name: 'with a check', file });
    const holder: { pages: Page[] } = { pages: [] };
    const report = await checkLeaks(() => void holder.pages.push(new Page('http://example.com/checked')), Page, { tolerance: 10 });
    expect(report.leaked).toBe(false);
    // A passing check may have collected the young generation only (its births died young, or were
    // within the tolerance): two more scavenges promote what it left alive, as a slower test would.
    collectYoung();
    collectYoung();
    holder.pages = [];
    await expect(guard.end(window, true)).resolves.toBeUndefined();
    expect(since(before)).toMatchObject({ checked: 1, scavenge: 0, fullCollection: 1 });
  }, 60_000);

  test('births of ignored classes are not recorded: no collection at all', async () => {
    const before = snapshot();
    const window = guard.begin({ name: 'ignored only', file });
    kept.push(new Spider());
    await expect(guard.end(window, true)).resolves.toBeUndefined();
    expect(since(before)).toEqual({ checked: 1, noCollection: 1, scavenge: 0, fullCollection: 0, scavenges: 0 });
    kept.length = 0;
  });

  test('a released object that a pending immediate drops in time still passes by the scavenge', async () => {
    settleHeap();
    const before = snapshot();
    const window = guard.begin({ name: 'released by an immediate', file });
    const holder: { page: Page | undefined } = { page: undefined };
    (() => {
      holder.page = new Page('http://example.com/released');
    })();
    setImmediate(() => (holder.page = undefined));
    await expect(guard.end(window, true)).resolves.toBeUndefined();
    expect(since(before)).toMatchObject({ scavenge: 1, fullCollection: 0 });
  });
});

describe("check: 'end-of-file', minor-first", () => {
  test('one scavenge for the file; only survivors go to the full collection; only the leak fails', async () => {
    const guard = new LeakGuard({ check: 'end-of-file' });
    settleHeap();
    const before = snapshot();
    const clean = guard.begin({ name: 'eof young clean', file });
    make(30, false);
    await expect(guard.end(clean, true)).resolves.toBeUndefined();
    const promoted = guard.begin({ name: 'eof promoted clean', file });
    makePromoted(10, false);
    await expect(guard.end(promoted, true)).resolves.toBeUndefined();
    const leaky = guard.begin({ name: 'eof leak', file });
    make(1, true, 'eof');
    await expect(guard.end(leaky, true)).resolves.toBeUndefined();
    const failures = await guard.settlePending();
    expect(failures.map((failure) => failure.window.test.name)).toEqual(['eof leak']);
    expect(failures[0]!.error.report.rows.map((row) => [row.className, row.leaked])).toEqual([['Page', 1]]);
    expect(since(before)).toEqual({ checked: 3, noCollection: 0, scavenge: 1, fullCollection: 2, scavenges: 1 });
    kept.length = 0;
  }, 60_000);

  test('a file of clean young tests needs no full collection', async () => {
    const guard = new LeakGuard({ check: 'end-of-file' });
    settleHeap();
    const before = snapshot();
    for (let i = 0; i < 5; i++) {
      const window = guard.begin({ name: `eof clean ${i}`, file });
      make(20, false);
      await guard.end(window, true);
    }
    await expect(guard.settlePending()).resolves.toEqual([]);
    const delta = since(before);
    expect(delta.fullCollection).toBe(0);
    expect(delta.scavenges).toBeLessThanOrEqual(1);
    expect(delta.checked).toBe(5);
  });
});

describe('where WeakSets cannot be counted: births counted by a FinalizationRegistry', () => {
  const guard = new LeakGuard(undefined, { youngFirst: false });

  test('no scavenge; clean passes and a leak fails, by the full-collection path', async () => {
    const before = snapshot();
    const clean = guard.begin({ name: 'registry clean', file });
    make(20, false);
    await expect(guard.end(clean, true)).resolves.toBeUndefined();
    const leaky = guard.begin({ name: 'registry leak', file });
    make(1, true, 'registry');
    const error = await guard.end(leaky, true);
    expect(error?.report.rows.map((row) => [row.className, row.leaked])).toEqual([['Page', 1]]);
    expect(since(before)).toMatchObject({ checked: 2, scavenge: 0, scavenges: 0, fullCollection: 2 });
    kept.length = 0;
    gcFunction()();
  }, 60_000);
});
