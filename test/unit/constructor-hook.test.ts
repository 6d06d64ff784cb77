// Births of classes trackref does not stamp, seen through a constructor hook (conditional
// breakpoints that never pause): verdicts on clean and leaking functions for each kind of
// constructor, the fall-back to heap counting past the births kept, a worker thread, and the hook
// removed whatever happens; the debugger session the hooks share, closed once idle, next to a
// session of the user's own. Real objects, real garbage collection, no mocks.
import * as inspector from 'node:inspector';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import * as vm from 'node:vm';
import { EventEmitter } from 'node:events';
import { describe, expect, test } from 'vitest';
import { checkLeaks } from 'trackref';

const DISPATCH = Symbol.for('trackref.births');
// The shared session's state, from trackref's build (not public API).
const hookModule = require(require.resolve('trackref').replace(/index\.js$/, 'constructor-hook.js')) as {
  debuggerState(): 'closed' | 'in use' | 'idle';
  closeIdleDebugger(): void;
  closesAtOnce(): boolean;
};
/** The shared session's state right after a check: left enabled for a while, or closed at once (see closesAtOnce). */
const afterCheck = hookModule.closesAtOnce() ? 'closed' : 'idle';
const dispatcher = (): unknown => (Symbol as unknown as Record<symbol, unknown>)[DISPATCH];

class Base {
  constructor(readonly url: string) {}
}
class WithConstructor extends Base {
  readonly depth: number;
  constructor(url: string) {
    super(url);
    this.depth = 1;
    // A constructor with an early return has two return locations: both are hooked.
    if (url === '') return;
    this.depth = 2;
  }
}
class WithoutConstructor extends WithConstructor {}
class EndsWithReturn extends Base {
  constructor(url: string) {
    super(url);
    // An explicit last `return;`, as CoffeeScript compiles constructors (node-cache's): Node 24 marks
    // only the closing brace as a return location, which this constructor never reaches.
    return;
  }
}
class Pausing {
  constructor() {
    // A `debugger` statement while the hook's debugger session is enabled must not stop the thread.
    // eslint-disable-next-line no-debugger
    debugger;
  }
}
function Legacy(this: { n: number }, n: number): void {
  this.n = n;
}
const LegacyClass = Legacy as unknown as new (n: number) => { n: number };

const kept: unknown[] = [];

describe('checks decided by births through a constructor hook', () => {
  const kinds: Array<[string, new (arg: string) => object, (arg: string) => object]> = [
    ['a base class', Base, (url) => new Base(url)],
    ['a derived class with a constructor of its own', WithConstructor, (url) => new WithConstructor(url)],
    ['a derived class without one', WithoutConstructor, (url) => new WithoutConstructor(url)],
    ['a derived class whose constructor ends with an explicit return', EndsWithReturn, (url) => new EndsWithReturn(url)],
    ['an ES5 constructor function', LegacyClass as unknown as new (arg: string) => object, (url) => new LegacyClass(url.length)],
  ];
  for (const [kind, cls, make] of kinds) {
    test(`${kind}: clean passes on births, leaking fails`, async () => {
      const clean = await checkLeaks(() => {
        for (let i = 0; i < 20; i++) make(i % 2 === 0 ? '' : `u${i}`);
      }, cls);
      expect([clean.leaked, clean.counting]).toEqual([false, 'births']);
      const leaky = await checkLeaks(() => void kept.push(make('kept')), cls);
      expect(leaky.leaked).toBe(true);
      expect(leaky.rows[0]!.leaked).toBe(1);
      expect(leaky.rows[0]!.oldest[0]!.allocationSite?.location).toMatch(/constructor-hook\.test\.ts:\d+:\d+$/);
    });
  }

  test('a subclass instance counts toward its base class, once', async () => {
    const leaky = await checkLeaks(() => void kept.push(new WithoutConstructor('x')), Base, { paths: false });
    expect([leaky.leaked, leaky.rows[0]!.leaked]).toEqual([true, 1]);
  });

  test('a class made in a vm context', async () => {
    const context = vm.createContext({ kept });
    const Made = vm.runInContext('class Made { constructor(n) { this.n = n; } }; Made', context) as new (n: number) => object;
    const make = vm.runInContext('(keep) => { const m = new Made(1); if (keep) kept.push(m); }', context) as (keep: boolean) => void;
    const clean = await checkLeaks(() => make(false), Made);
    const leaky = await checkLeaks(() => make(true), Made, { paths: false });
    expect([clean.leaked, clean.counting, leaky.leaked]).toEqual([false, 'births', true]);
  });

  test("a vm context's class with a constructor of its own, extending a class of this realm (as Jest's test files extend Node's EventEmitter)", async () => {
    // Its inherited `constructor` property names this realm; the breakpoint's condition runs in the
    // vm context's, which must be where the dispatcher is found.
    const context = vm.createContext({ kept, Base, EventEmitter });
    for (const base of ['Base', 'EventEmitter']) {
      const Made = vm.runInContext(`(class Made extends ${base} { constructor(n) { super(); this.n = n; } })`, context) as new (n: number) => object;
      const clean = await checkLeaks(() => void new Made(1), Made);
      const leaky = await checkLeaks(() => void kept.push(new Made(2)), Made, { paths: false });
      expect([base, clean.leaked, clean.counting, leaky.leaked, leaky.rows[0]!.leaked]).toEqual([base, false, 'births', true, 1]);
    }
  });

  test("Node's own classes from its startup snapshot (EventEmitter, URL, EventTarget): decided by births, where the inspector lists no break locations", async () => {
    const makers: Array<[new (...args: never[]) => object, () => object]> = [
      [EventEmitter, () => new EventEmitter()],
      [URL, () => new URL('http://x/')],
      [EventTarget, () => new EventTarget()],
    ];
    for (const [cls, make] of makers) {
      const clean = await checkLeaks(() => void make(), cls);
      const leaky = await checkLeaks(() => void kept.push(make()), cls, { paths: false });
      expect([cls.name, clean.leaked, clean.counting, leaky.leaked, leaky.rows[0]!.leaked]).toEqual([cls.name, false, 'births', true, 1]);
    }
  });

  test("constructors a hook cannot see instances through are counted on the heap: one that always throws (instances given its prototype later, as Node 20 makes AbortSignal), one that returns another object made from `this` (Node 20's Blob)", async () => {
    class Illegal {
      constructor() {
        throw new TypeError('Illegal constructor');
      }
    }
    const makeIllegal = (): object => Object.setPrototypeOf({}, Illegal.prototype) as object;
    const wrap = (obj: object): object => Object.setPrototypeOf({ ...obj }, Object.getPrototypeOf(obj) as object) as object;
    class Wrapped {
      readonly n = 1;
      constructor() {
        // eslint-disable-next-line no-constructor-return
        return wrap(this);
      }
    }
    for (const [cls, make] of [[Illegal, makeIllegal], [Wrapped, () => new Wrapped()]] as const) {
      const leaky = await checkLeaks(() => void kept.push(make()), cls, { paths: false });
      const clean = await checkLeaks(() => void make(), cls);
      expect([cls.name, leaky.leaked, leaky.rows[0]!.leaked, clean.leaked, clean.counting]).toEqual([cls.name, true, 1, false, 'heap']);
    }
    // Node's own: on Node 20 an AbortSignal never runs its constructor.
    const signals = await checkLeaks(() => void kept.push(new AbortController().signal), AbortSignal, { paths: false });
    expect([signals.leaked, signals.rows[0]!.leaked]).toEqual([true, 1]);
  });

  test('a debugger statement in the code under test does not stop it', async () => {
    const report = await checkLeaks(() => new Pausing(), Pausing);
    expect([report.leaked, report.counting]).toEqual([false, 'births']);
  });

  test('more births than are kept: counted on the heap instead, with the same verdict', async () => {
    const many = (): void => {
      for (let i = 0; i < 10_500; i++) new Base('many');
    };
    const clean = await checkLeaks(many, Base);
    expect([clean.leaked, clean.counting]).toEqual([false, 'heap']);
    const leaky = await checkLeaks(() => {
      many();
      kept.push(new Base('kept'));
    }, Base, { paths: false });
    expect([leaky.leaked, leaky.rows[0]!.leaked]).toEqual([true, 1]);
  }, 120_000);

  test('the hook is removed when the check ends, passing, failing or throwing', async () => {
    await checkLeaks(() => new Base('a'), Base);
    expect(dispatcher()).toBeUndefined();
    await checkLeaks(() => void kept.push(new Base('b')), Base, { paths: false });
    expect(dispatcher()).toBeUndefined();
    await expect(
      checkLeaks(() => {
        new Base('c');
        throw new Error('boom');
      }, Base),
    ).rejects.toThrow('boom');
    expect(dispatcher()).toBeUndefined();
  });

  test('in a worker thread', async () => {
    const trackref = require.resolve('trackref');
    const source = `
      const { parentPort } = require('node:worker_threads');
      const { checkLeaks } = require(${JSON.stringify(trackref)});
      class Job { constructor(n) { this.n = n; } }
      const kept = [];
      (async () => {
        const clean = await checkLeaks(() => new Job(1), Job);
        const leaky = await checkLeaks(() => kept.push(new Job(2)), Job, { paths: false });
        parentPort.postMessage([clean.leaked, clean.counting, leaky.leaked]);
      })().catch((error) => parentPort.postMessage(String(error && error.stack)));
    `;
    const worker = new Worker(source, { eval: true });
    const answer = await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(answer).toEqual([false, 'births', true]);
  });

  test('the shared debugger session stays enabled between checks and closes once idle (closed at once where V8 keeps debugger links between promises)', async () => {
    await checkLeaks(() => new Base('a'), Base);
    expect(hookModule.debuggerState()).toBe(afterCheck);
    // A second check reuses it.
    const again = await checkLeaks(() => new Base('b'), Base);
    expect([again.leaked, again.counting, hookModule.debuggerState()]).toEqual([false, 'births', afterCheck]);
    // Closed about a second after the last check (a real, unref'd timer; generous limit for a loaded machine).
    const deadline = Date.now() + 30_000;
    while (hookModule.debuggerState() !== 'closed' && Date.now() < deadline) await sleep(100);
    expect(hookModule.debuggerState(), 'the idle session was still open 30 s after the last check').toBe('closed');
  }, 60_000);

  test("a debugger session of the user's own keeps its breakpoints and pauses during and after checks", async () => {
    const session = new inspector.Session();
    session.connect();
    const post = <T>(method: string, params?: object): T => {
      let answer: unknown;
      let failure: Error | null = null;
      session.post(method, params, (error, result) => {
        failure = error;
        answer = result;
      });
      if (failure) throw failure;
      return answer as T;
    };
    const hits = { count: 0 };
    (globalThis as { userHits?: typeof hits }).userHits = hits;
    function userTarget(): void {}
    const pauses: string[] = [];
    session.on('Debugger.paused', (message) => pauses.push(message.params.reason));
    try {
      post('Debugger.enable');
      (globalThis as { userTarget?: unknown }).userTarget = userTarget;
      const { result } = post<{ result: { objectId: string } }>('Runtime.evaluate', { expression: 'globalThis.userTarget' });
      post('Debugger.setBreakpointOnFunctionCall', { objectId: result.objectId, condition: 'void globalThis.userHits.count++' });
      const pause = (): void => {
        // eslint-disable-next-line no-debugger
        debugger;
      };
      const clean = await checkLeaks(() => {
        userTarget();
        pause();
        new Base('x');
      }, Base);
      expect([clean.leaked, clean.counting]).toEqual([false, 'births']);
      const leaky = await checkLeaks(() => void kept.push(new Base('kept')), Base, { paths: false });
      expect(leaky.leaked).toBe(true);
      const duringChecks = hits.count;
      // Warm-up and measured call, at least: the user's breakpoint and pauses saw every call.
      expect(duringChecks).toBeGreaterThanOrEqual(2);
      expect(pauses.length).toBeGreaterThanOrEqual(2);
      const pausesDuringChecks = pauses.length;
      hookModule.closeIdleDebugger();
      expect(hookModule.debuggerState()).toBe('closed');
      userTarget();
      pause();
      expect([hits.count, pauses.length]).toEqual([duringChecks + 1, pausesDuringChecks + 1]);
      expect(pauses.at(-1)).toBe('other');
      // trackref's own session comes back for the next check, beside the user's.
      const after = await checkLeaks(() => new Base('y'), Base);
      expect([after.leaked, after.counting]).toEqual([false, 'births']);
    } finally {
      session.disconnect();
      delete (globalThis as { userHits?: unknown }).userHits;
      delete (globalThis as { userTarget?: unknown }).userTarget;
    }
  });

  test("a user's debugger session that turns its breakpoints off does not hide births from the hook", async () => {
    // V8 keeps breakpoints active while any session wants them: the user's session turning its own
    // off leaves trackref's on, so a leak is still caught by births.
    const session = new inspector.Session();
    session.connect();
    try {
      session.post('Debugger.enable');
      session.post('Debugger.setBreakpointsActive', { active: false });
      const leaky = await checkLeaks(() => void kept.push(new Base('kept while off')), Base, { paths: false });
      expect([leaky.leaked, leaky.rows[0]!.leaked]).toEqual([true, 1]);
      expect(leaky.rows[0]!.oldest[0]!.allocationSite?.location).toMatch(/constructor-hook\.test\.ts:\d+:\d+$/);
    } finally {
      session.disconnect();
    }
  });

  test.runIf(!hookModule.closesAtOnce())('a second copy of trackref in the thread (as each Jest test file loads) uses the session the first left enabled', async () => {
    await checkLeaks(() => new Base('first copy'), Base);
    expect(hookModule.debuggerState()).toBe('idle');
    // A fresh copy of the whole build, as a Jest test file's module registry makes.
    const dist = require.resolve('trackref').replace(/src[\\/]index\.js$/, '');
    const saved = Object.keys(require.cache).filter((file) => file.startsWith(dist));
    const cached = new Map(saved.map((file) => [file, require.cache[file]]));
    for (const file of saved) delete require.cache[file];
    try {
      const copy = require(require.resolve('trackref')) as typeof import('trackref');
      const copyHook = require(require.resolve('trackref').replace(/index\.js$/, 'constructor-hook.js')) as typeof hookModule;
      expect(copyHook).not.toBe(hookModule);
      expect(copyHook.debuggerState()).toBe('idle');
      const report = await copy.checkLeaks(() => new Base('second copy'), Base);
      expect([report.leaked, report.counting, hookModule.debuggerState()]).toEqual([false, 'births', 'idle']);
    } finally {
      for (const file of Object.keys(require.cache)) if (file.startsWith(dist)) delete require.cache[file];
      for (const [file, module] of cached) require.cache[file] = module;
    }
  });
});
