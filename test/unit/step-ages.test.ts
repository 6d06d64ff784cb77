// Retainer steps are marked "new" or "existed before" with their ages (LeakCanary's Leaking: YES/NO,
// with ages as the evidence). The tracked objects on a path are found among the check's own births
// and baseline without asking V8 to walk the heap (births first, then ids in growing batches, up to
// a number of ids that costs what a walk does; past it, by a walk).
// (Naming a module variable that V8's snapshot leaves unnamed, as in Vitest, costs a walk of its own:
// the walks are compared with those of the same path made of plain objects.)
import * as inspector from 'node:inspector';
import { ObjectRef, checkLeaks, type LeakReport } from 'trackref';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';

class Request extends ObjectRef {
  constructor(
    readonly url: string,
    readonly meta: { referers: HtmlResponse[] },
  ) {
    super();
  }
}

class HtmlResponse extends ObjectRef {
  constructor(readonly url: string) {
    super();
  }
}

const queue: Request[] = [];
const plainQueue: Array<{ meta: { referers: HtmlResponse[] } }> = [];
const pages: HtmlResponse[] = [];
const crowd: Request[] = [];
let seed = new Request('http://example.com/seed', { referers: [] });

function crawlNew(): void {
  queue.push(new Request(`http://example.com/${queue.length}`, { referers: [new HtmlResponse(`http://example.com/r${queue.length}`)] }));
}

function crawlPlain(): void {
  plainQueue.push({ meta: { referers: [new HtmlResponse(`http://example.com/p${plainQueue.length}`)] } });
}

function crawlThree(): void {
  for (let i = 0; i < 3; i++) pages.push(new HtmlResponse(`http://example.com/page/${pages.length}`));
}

function crawlIntoSeed(): void {
  seed.meta.referers.push(new HtmlResponse(`http://example.com/s${seed.meta.referers.length}`));
}

/** Counts the heap walks trackref asks V8 for (HeapProfiler.getObjectByHeapObjectId). */
let walks = 0;
const post = inspector.Session.prototype.post;
beforeEach(() => {
  walks = 0;
  inspector.Session.prototype.post = function countingPost(this: inspector.Session, method: string, ...rest: unknown[]) {
    if (method === 'HeapProfiler.getObjectByHeapObjectId') walks++;
    return (post as (...args: unknown[]) => void).call(this, method, ...rest);
  } as typeof post;
});
afterEach(() => {
  inspector.Session.prototype.post = post;
});

function steps(report: LeakReport): Array<{ text: string; className: string; createdDuringRuns?: boolean; ageMs?: number }> {
  const row = report.rows.find((r) => r.className === 'HtmlResponse')!;
  return row.oldest[0]!.retainerSteps!;
}

/** Calls made after the verdict (see LeakRow.moreRuns): the measured run's objects are that many calls before the last. */
function extra(report: LeakReport): number {
  return report.extraCalls ?? 0;
}

describe('retainer steps: new or existed before, with ages', () => {
  /** Heap walks for a path with no tracked object but the leaked one (naming only). */
  let namingWalks = -1;

  test('a path through plain objects: steps unmarked but the leaked instance', async () => {
    const report = await checkLeaks(crawlPlain, HtmlResponse);
    const path = steps(report);
    expect(path.map((step) => step.text)).toEqual(['plainQueue', `[${plainQueue.length - 1 - extra(report)}]`, '.meta', '.referers', '[0]']);
    expect(path.slice(0, 4).map((step) => step.createdDuringRuns)).toEqual([undefined, undefined, undefined, undefined]);
    expect(path[4]).toMatchObject({ className: 'HtmlResponse', createdDuringRuns: true });
    namingWalks = walks;
  });

  test('three reported instances held by one module variable: it is named once, for all three paths', async () => {
    const report = await checkLeaks(crawlThree, HtmlResponse);
    const oldest = report.rows.find((r) => r.className === 'HtmlResponse')!.oldest;
    expect(oldest.map((instance) => instance.retainerPath)).toEqual([3, 2, 1].map((back) => `pages[${pages.length - back - 3 * extra(report)}]`));
    expect(walks).toBe(namingWalks);
  });

  test('a request made during the runs is new; found without a heap walk', async () => {
    queue.length = 0;
    const report = await checkLeaks(crawlNew, HtmlResponse);
    expect(report.leaked).toBe(true);
    const path = steps(report);
    expect(path.map((step) => step.text)).toEqual(['queue', `[${queue.length - 1 - extra(report)}]`, '.meta', '.referers', '[0]']);
    expect(path[1]).toMatchObject({ className: 'Request', createdDuringRuns: true });
    expect(path[1]!.ageMs).toBeGreaterThanOrEqual(0);
    expect(path[4]).toMatchObject({ className: 'HtmlResponse', createdDuringRuns: true });
    expect(path[0]!.createdDuringRuns).toBeUndefined();
    expect(walks).toBe(namingWalks);
  });

  test('a request from before the check existed before, with its age; found without a heap walk', async () => {
    seed = new Request('http://example.com/seed', { referers: [] });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const report = await checkLeaks(crawlIntoSeed, HtmlResponse);
    const path = steps(report);
    expect(path.map((step) => step.text)).toEqual(['seed', '.meta', '.referers', `[${seed.meta.referers.length - 1 - extra(report)}]`]);
    expect(path[0]).toMatchObject({ className: 'Request', createdDuringRuns: false });
    expect(path[0]!.ageMs).toBeGreaterThanOrEqual(300);
    expect(path[3]).toMatchObject({ className: 'HtmlResponse', createdDuringRuns: true });
    expect(walks).toBe(namingWalks);
    expect(report.format()).toMatch(/existed before, \d/);
  });

  test('a request made during the runs, among more requests than are worth asking all ids of: found without a heap walk (births are asked first)', async () => {
    queue.length = 0;
    for (let i = 0; i < 50_000; i++) crowd.push(new Request(`http://example.com/crowd/${i}`, { referers: [] }));
    try {
      const report = await checkLeaks(crawlNew, HtmlResponse);
      const path = steps(report);
      expect(path[1]).toMatchObject({ className: 'Request', createdDuringRuns: true });
      expect(walks).toBe(namingWalks);
    } finally {
      crowd.length = 0;
    }
  });

  test('with more requests alive than are worth asking all ids of, the one on the path is still found (among the ids asked for, or by one heap walk)', async () => {
    seed = new Request('http://example.com/seed', { referers: [] });
    for (let i = 0; i < 50_000; i++) crowd.push(new Request(`http://example.com/crowd/${i}`, { referers: [] }));
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const report = await checkLeaks(crawlIntoSeed, HtmlResponse);
      const path = steps(report);
      expect(path[0]).toMatchObject({ text: 'seed', className: 'Request', createdDuringRuns: false });
      expect(path[0]!.ageMs).toBeGreaterThanOrEqual(300);
      expect(walks).toBeLessThanOrEqual(namingWalks + 1);
    } finally {
      crowd.length = 0;
    }
  });
});

describe('timers on paths', () => {
  test('a timer made during the runs: its live Timeout (delay, due time) is found without a heap walk', async () => {
    const report = await checkLeaks(() => {
      const response = new HtmlResponse('http://example.com/timed');
      setTimeout(() => void response.url, 600_000).unref();
    }, HtmlResponse);
    expect(report.leaked, report.format()).toBe(true);
    const first = report.rows.find((r) => r.className === 'HtmlResponse')!.oldest[0]!;
    expect(first.retainerPath, report.format()).toMatch(/^setTimeout\(…, 600000\) pending, due in \d+\.\d s → anonymous\(\) → response$/);
    expect(walks, 'heap walks').toBe(0);
  });
});
