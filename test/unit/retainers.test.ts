// Retainer-path rendering details, in this process (a Vitest fork): the report must write the path
// as the user would (`byType['text/html'][2]`, `byId.get(2)`), whatever the key or property name,
// and fold long paths in the middle. test/integration/retainers.test.ts covers the retention shapes
// under each runner; this file covers the accessor and naming rules.
//
// Every container is a module-level variable of this file, reset before its check, and fn is called
// 3 times per check (1 warm-up, 1 counted by births, 1 measured on the heap): the reported instance is
// the third made, index [2] / key 2 / 'p2'. This file declares no module-level number or boolean
// variable before its containers (see 'a module-level counter declared before the container').
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EventEmitter } from 'node:events';
import { ObjectRef, checkLeaks, type LeakReport } from 'trackref';
import { createRequire } from 'node:module';
import { describe, expect, test } from 'vitest';
import { clearMetaModule, leakIntoMetaModule, setMaker } from '../fixtures/retainers-vitest/import-meta-module.mjs';

/** A library under node_modules whose exports keep a registry (as winston.loggers keeps loggers). */
const crawlLib = createRequire(import.meta.url)('../fixtures/untracked/node_modules/crawl-lib') as {
  Request: new (url: string) => object;
  sessions: Map<string, object>;
  openSession(id: string): void;
  closeSession(id: string): void;
};

class HtmlResponse extends ObjectRef {
  constructor(readonly url: string) {
    super();
  }
}

const made = { count: 0 };
function page(): HtmlResponse {
  return new HtmlResponse(`p${made.count++}`);
}

const byType: Record<string, HtmlResponse[]> = {};
const byQuote = new Map<string, HtmlResponse>();
let privateStore: { add(response: HtmlResponse): void } | undefined;
const byLong = new Map<string, HtmlResponse>();
const byId = new Map<number, HtmlResponse>();
const statsByResponse = new Map<HtmlResponse, { bytes: number }>();
const afterCrawlHooks: Array<() => string> = [];
const cleanupRegistry = new FinalizationRegistry<HtmlResponse>(() => undefined);
const liveTab = { tab: 1 };
const deep = { a: { b: { c: { d: { e: { f: { g: { h: { list: [] as HtmlResponse[] } } } } } } } } };
const deepBus = { a: { b: { c: { emitter: new EventEmitter().setMaxListeners(0) } } } };
function makeCrawler() {
  const seenPages: HtmlResponse[] = [];
  return {
    visit(response: HtmlResponse): void {
      seenPages.push(response);
    },
    forget(): void {
      seenPages.length = 0;
    },
  };
}
const crawler = makeCrawler();
const globals = globalThis as unknown as Record<string, HtmlResponse[] | undefined>;

/** The reported path of the leaked instance, checked against report.format() too. */
const metaByKey = new WeakMap<object, HtmlResponse>();
const metaKeys: object[] = [];
/** Private state of each response, keyed by the response itself (as compiled `#private` fields are). */
const privateState = new WeakMap<object, () => HtmlResponse>();
let releaseGate: () => void = () => undefined;
let gate = new Promise<void>((resolve) => (releaseGate = resolve));

async function pathOf(leak: () => void): Promise<string | undefined> {
  made.count = 0;
  const report: LeakReport = await checkLeaks(leak, HtmlResponse);
  expect(report.leaked).toBe(true);
  // 1 warm-up, 1 counted by births, 1 measured on the heap, then 2 more after the verdict (moreRuns).
  expect(report.calls).toBe(5);
  const path = report.rows[0]!.oldest[0]!.retainerPath;
  const heldBy = [...report.format().matchAll(/^\s*held by {2}(.*)$/gm)].map((match) => match[1]);
  expect(heldBy).toEqual([path]);
  return path;
}

describe('property names and keys', () => {
  test('a property name that is not an identifier is written in brackets, quoted', async () => {
    byType['text/html'] = [];
    expect(await pathOf(() => void byType['text/html']!.push(page()))).toBe("byType['text/html'][2]");
    delete byType['text/html'];
  });

  test("a property whose key is the empty string (V8 files it as an internal edge named '')", async () => {
    byType[''] = [];
    expect(await pathOf(() => void byType['']!.push(page()))).toBe("byType[''][2]");
    delete byType[''];
  });

  test('a private class field is written as in the class: store.#items', async () => {
    class Store {
      #items: HtmlResponse[] = [];
      add(response: HtmlResponse): void {
        this.#items.push(response);
      }
      clear(): void {
        this.#items = [];
      }
    }
    privateStore = new Store();
    const store = privateStore;
    expect(await pathOf(() => store.add(page()))).toBe('privateStore.#items[2]');
    privateStore = undefined;
  });

  test('a globalThis property that is not an identifier', async () => {
    globals['my-cache'] = [];
    try {
      expect(await pathOf(() => void globals['my-cache']!.push(page()))).toBe("globalThis['my-cache'][2]");
    } finally {
      delete globals['my-cache'];
    }
  });

  test('a Map key with a quote and a backslash is escaped', async () => {
    byQuote.clear();
    expect(
      await pathOf(() => {
        const response = page();
        byQuote.set(`it's ${response.url}\\x`, response);
      }),
    ).toBe("byQuote.get('it\\'s p2\\\\x')");
    byQuote.clear();
  });

  test('a long Map key is cut at 39 characters with an ellipsis', async () => {
    byLong.clear();
    const prefix = 'http://example.com/a/very/long/path/that/goes/on/';
    expect(
      await pathOf(() => {
        const response = page();
        byLong.set(`${prefix}${response.url}`, response);
      }),
    ).toBe(`byLong.get('${prefix.slice(0, 39)}…')`);
    byLong.clear();
  });

  // V8's heap snapshot has no node for a small-integer key (not even with captureNumericValue) and
  // no value for another number: the key is read from the live Map.
  test('a Map keyed by numbers: the key is read from the live map (small integers and others)', async () => {
    byId.clear();
    expect(
      await pathOf(() => {
        byId.set(made.count, page());
      }),
    ).toBe('byId.get(2)');
    byId.clear();
    expect(
      await pathOf(() => {
        byId.set(made.count + 0.5, page());
      }),
    ).toMatch(/^byId\.get\(\d+\.5\)$/);
    byId.clear();
  });
});

describe('WeakMap values and awaiting functions', () => {
  test('a WeakMap value is reached through its key, named by the path to the key', async () => {
    metaKeys.length = 0;
    expect(
      await pathOf(() => {
        const key = {};
        metaKeys.push(key);
        metaByKey.set(key, page());
      }),
    ).toBe('metaByKey.get(metaKeys[2])');
    metaKeys.length = 0;
  });

  test("a WeakMap entry keyed by the object itself does not hold it: the path is the one that does (an async function awaiting a pending promise)", async () => {
    gate = new Promise<void>((resolve) => (releaseGate = resolve));
    expect(
      await pathOf(() => {
        const response = page();
        privateState.set(response, () => response);
        void (async function readLoop() {
          await gate;
          return response;
        })();
      }),
    ).toBe('gate → await in readLoop() → response');
    releaseGate();
  });
});

describe('containers', () => {
  test('an object used as a Map key is the key, not a value (even when the values are objects)', async () => {
    statsByResponse.clear();
    expect(await pathOf(() => void statsByResponse.set(page(), { bytes: 10 }))).toBe('statsByResponse (Map key)');
    statsByResponse.clear();
  });

  test('an anonymous function in an array: from the array, through the function', async () => {
    afterCrawlHooks.length = 0;
    expect(
      await pathOf(() => {
        const response = page();
        afterCrawlHooks.push(() => response.url);
      }),
    ).toBe('afterCrawlHooks[2] → anonymous() → response');
    afterCrawlHooks.length = 0;
  });

  test("a function a local object's property holds (an HTTP client's interceptor), the object a variable of the running test: from that variable", async () => {
    // Held only through the test's own suspended function: no module variable on the path.
    const client = { interceptors: { request: { handlers: [] as Array<{ fulfilled: () => string }> } } };
    expect(
      await pathOf(() => {
        const response = page();
        client.interceptors.request.handlers.push({ fulfilled: () => response.url });
      }),
    ).toBe('client.interceptors.request.handlers[2].fulfilled → fulfilled() → response');
  });

  test('closures a limiter made in the test queues behind a task that never settles (p-limit): from the test\'s variable, not the closure\'s', async () => {
    // A one-at-a-time limiter as p-limit makes it: tasks wait in a queue until the running one settles.
    function limiter(): (task: () => Promise<unknown>) => void {
      const queue: Array<() => void> = [];
      let running = false;
      const next = (): void => {
        const run = queue.shift();
        if (run === undefined) return void (running = false);
        running = true;
        run();
      };
      return (task) => {
        queue.push(() => void task().then(next, next));
        if (!running) next();
      };
    }
    const stuck = limiter();
    stuck(() => new Promise(() => undefined));
    const path = await pathOf(() => {
      const response = page();
      stuck(async () => response.url);
    });
    expect(path).toMatch(/^stuck → anonymous\(\) → queue\[\d+\] → anonymous\(\) → task → anonymous\(\) → response$/);
  });

  test("an interval calling a bound function: the bound argument reads as a step of its own (rxjs's flush.bind(scheduler, action))", async () => {
    class Action {
      constructor(readonly page: HtmlResponse) {}
    }
    function flush(this: unknown, action: Action): void {
      void action.page;
    }
    const intervals: Array<ReturnType<typeof setInterval>> = [];
    try {
      const path = await pathOf(() => void intervals.push(setInterval(flush.bind(null, new Action(page())), 100_000)));
      expect(path).toMatch(/^setInterval\(…, 100000\) pending, next in \d+\.\d s → \(Action\)\.page$/);
    } finally {
      intervals.forEach(clearInterval);
    }
  });

  test("an object a closure in a container holds, reached only from an open file watcher's listener: from the watcher (chokidar's shape)", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trackref-watch-'));
    const watchers: Array<WeakRef<fs.FSWatcher>> = [];
    try {
      // Nothing of the test keeps the watchers: only their open handles do (unref'd, closed below).
      // As chokidar wraps a watcher: its error listener calls the handlers of a container, one of
      // which closes over the object.
      const handlerFor = (response: HtmlResponse) => () => void response.url;
      const path_ = await pathOf(() => {
        const container = { errHandlers: new Set([handlerFor(page())]) };
        const watcher = fs.watch(dir).on('error', () => container.errHandlers.forEach((handler) => handler()));
        watcher.unref();
        watchers.push(new WeakRef(watcher));
      });
      expect(path_).toMatch(/^\(open FSWatcher\) listeners 'error' → anonymous\(\) → container\.errHandlers \(Set member\) → anonymous\(\) → response$/);
    } finally {
      for (const ref of watchers) ref.deref()?.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a FinalizationRegistry held value whose target lives', async () => {
    expect(await pathOf(() => cleanupRegistry.register(liveTab, page(), liveTab))).toBe('cleanupRegistry (FinalizationRegistry held value)');
    cleanupRegistry.unregister(liveTab);
  });
});

describe('paths', () => {
  test('a path longer than 8 steps is folded in the middle: first 3 steps, then the last 5', async () => {
    deep.a.b.c.d.e.f.g.h.list = [];
    expect(await pathOf(() => void deep.a.b.c.d.e.f.g.h.list.push(page()))).toBe('deep.a.b … .f.g.h.list[2]');
    deep.a.b.c.d.e.f.g.h.list = [];
  });

  test('a folded path keeps its holders: the listener list and the listener position stay shown', async () => {
    deepBus.a.b.c.emitter.removeAllListeners();
    expect(
      await pathOf(() => {
        const state = { a: { b: { response: page() } } };
        deepBus.a.b.c.emitter.on('tick', function onTick() {
          return state;
        });
      }),
    ).toBe("deepBus.a.b … listeners 'tick'[2] → onTick() → state.a.b.response");
    deepBus.a.b.c.emitter.removeAllListeners();
  });

  test('a variable of a function that returned an object of methods: from the object, through the method', async () => {
    crawler.forget();
    expect(await pathOf(() => crawler.visit(page()))).toBe('crawler.visit → visit() → seenPages[2]');
    crawler.forget();
  });

  test("a library's exports holding a registry: from the user's variable that holds them, not the library's exports", async () => {
    // Found by a new user under Vitest: `exports.loggers.loggers.get('req-3')
    // (node_modules/winston/lib/winston.js)`, where Jest read `winston.loggers.loggers.get('req-3')`.
    let opened = 0;
    const report = await checkLeaks(() => crawlLib.openSession(`s${opened++}`), crawlLib.Request);
    try {
      expect(report.leaked, report.format()).toBe(true);
      const instance = report.rows.find((row) => row.leaking)!.oldest[0]!;
      expect(instance.retainerPath, report.format()).toMatch(/^crawlLib\.sessions\.get\('s\d'\)$/);
    } finally {
      for (let i = 0; i < opened; i++) crawlLib.closeSession(`s${i}`);
    }
  });

  test('a module-level variable of an ES module that reads import.meta in a function', async () => {
    clearMetaModule();
    setMaker(page);
    expect(await pathOf(leakIntoMetaModule)).toBe('metaModuleList[2]');
    clearMetaModule();
  });
});

// Declared last on purpose: a small-integer variable before a container in the same module scope.
// eslint-disable-next-line prefer-const
let visits = 0;
const visitLog: HtmlResponse[] = [];

describe('module scope', () => {
  test('a module-level counter declared before the container does not shift variable names', async () => {
    visitLog.length = 0;
    expect(
      await pathOf(() => {
        visits++;
        visitLog.push(page());
      }),
    ).toBe('visitLog[2]');
    expect(visits).toBe(5);
    visitLog.length = 0;
  });
});
