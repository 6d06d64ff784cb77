// Links V8 keeps between promises while a debugger is enabled (for catch prediction: an unnamed
// private symbol property of a Promise, and its property store). trackref's constructor hooks enable
// the debugger while fn runs; on Node 20 a long-lived pending promise raced against fn's promise then
// keeps what awaited the race alive for good. Such objects are not the program's leak: a check judges
// them again without hooks, paths never go through those links, and, with a per-test guard installed,
// the debugger is not left enabled after a check where V8 keeps them (the next test's objects would
// get the links, and the guard would blame that test). Real V8, real
// garbage collection; the pattern is p-queue's (a task raced against an AbortSignal's promise).
// Then trackref's own holders (its hooks keep the classes they watch): paths never go through them.
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { checkLeaks, collectGarbage } from 'trackref';
import { describe, expect, test } from 'vitest';

const require = createRequire(import.meta.url);
const { LeakGuard }: typeof import('../../src/guard') = require(path.join(path.dirname(require.resolve('trackref')), 'guard.js'));

/** Untracked: counted through the constructor hook. */
class Job {
  constructor(readonly id: number) {}
}

class Other {}

/** Long-lived and never aborted, as a queue's signal. */
const signal = new AbortController().signal;

function rejectOnAbort(s: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => s.addEventListener('abort', () => reject(s.reason), { once: true }));
}

async function raced<T>(task: () => Promise<T>): Promise<T> {
  const op = Promise.race([task(), rejectOnAbort(signal)]);
  return await op;
}

let made = 0;
/** A job whose task settles; nothing of the program keeps it afterwards. */
async function runJob(refs?: Array<WeakRef<Job>>): Promise<void> {
  const job = new Job(made++);
  refs?.push(new WeakRef(job));
  await raced(async () => job.id);
}

const kept: Job[] = [];
const keptPromises: Array<Promise<string>> = [];

describe("V8's debugger links between promises", () => {
  test('jobs raced against a long-lived signal, freed once their task settles: the check passes', async () => {
    const report = await checkLeaks(() => runJob(), Job);
    expect(report.leaked, report.format()).toBe(false);
  });

  test('the same jobs kept in an array: the check fails, and the path names the array', async () => {
    const report = await checkLeaks(async () => {
      const job = new Job(made++);
      kept.push(job);
      await raced(async () => job.id);
    }, Job);
    expect(report.leaked).toBe(true);
    expect(report.rows[0]!.oldest[0]!.retainerPath, report.format()).toMatch(/^kept\[\d+\]$/);
    kept.length = 0;
  });

  test("a Promise check right after a check on an untracked class (whose debugger session idles for a second) counts only the program's promises", async () => {
    await checkLeaks(() => void new Job(made++), Job);
    // One promise kept per call and awaited by fn (a new user's p-retry file: on Node 20 the count
    // was +2, the first promise shown fn's own, held only by the link from the kept one).
    const report = await checkLeaks(async () => {
      const p = (async () => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        return 'page';
      })();
      keptPromises.push(p);
      await p;
    }, Promise);
    expect(report.leaked, report.format()).toBe(true);
    expect(report.rows.find((row) => row.className === 'Promise')?.leaked, report.format()).toBe(1);
    expect(report.rows.find((row) => row.className === 'Promise')?.oldest[0]?.retainerPath, report.format()).toMatch(/^keptPromises\[\d+\]$/);
    keptPromises.length = 0;
  });
});

/**
 * A library shaped like moment's locales: a variable of its scope holds every Locale ever defined.
 * Made inside the test, the scope is reachable only through the test's suspended function (which
 * paths use last: it has no names) and through the class, which trackref's hooks keep while a check
 * watches it.
 */
function localeLibrary(): { Locale: new (name: string) => object; defineLocale(name: string): void } {
  const locales: Record<string, object> = {};
  class Locale {
    constructor(readonly name: string) {}
  }
  return { Locale, defineLocale: (name) => void (locales[name] = new Locale(name)) };
}

describe("trackref's own holders", () => {
  test("the path to a watched class's instances never starts at trackref's own variables (its hooks keep the class, and through it the class's scope)", async () => {
    const { Locale, defineLocale } = localeLibrary();
    let n = 0;
    const report = await checkLeaks(() => defineLocale(`xx-${n++}`), Locale);
    expect(report.leaked).toBe(true);
    const first = report.rows[0]!.oldest[0]!;
    expect(first.retainerPath, report.format()).toMatch(/locales\['xx-\d+'\]$/);
    expect(report.format()).not.toMatch(/openWatches|constructor-hook/);
  });
});

// Last in the file: a guard, once installed, stays installed in this process.
describe('with a per-test guard installed', () => {
  test('objects made right after a check on an untracked class get no links from it: they are freed (the guard would blame their test)', async () => {
    new LeakGuard();
    expect((await checkLeaks(() => new Other(), Other)).leaked).toBe(false);
    const refs: Array<WeakRef<Job>> = [];
    for (let i = 0; i < 5; i++) await runJob(refs);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await collectGarbage();
    expect(refs.filter((ref) => ref.deref() !== undefined).length, 'jobs still alive').toBe(0);
  });
});
