// The back-off before a leak verdict (gc.ts backOffWhileFalling, used by checkLeaks): which re-count
// may be the last (that one must follow a settled collection; the others collect once after their
// wait), and a leak released late through a finalizer still passes.
import { createRequire } from 'node:module';
import { expect, test } from 'vitest';
import { checkLeaks } from 'trackref';

const require = createRequire(import.meta.url);
const gcModule = require(require.resolve('trackref').replace(/index\.js$/, 'gc.js')) as {
  backOffWhileFalling(excess: number, remeasure: (mayBeLast: boolean) => Promise<number>): Promise<void>;
};

/** Runs the back-off with re-counts that return `counts` in turn; returns what each re-count was told. */
async function flagsFor(excess: number, counts: number[]): Promise<boolean[]> {
  const told: boolean[] = [];
  await gcModule.backOffWhileFalling(excess, async (mayBeLast) => {
    told.push(mayBeLast);
    return counts[told.length - 1] ?? counts.at(-1)!;
  });
  return told;
}

test('a count that does not fall: two re-counts, the second told it may be the last', async () => {
  expect(await flagsFor(3, [3, 3])).toEqual([false, true]);
});

test('a count that keeps falling: only the re-count after the last wait is told it may be the last', async () => {
  expect(await flagsFor(5, [4, 3, 2, 1])).toEqual([false, false, false, true]);
});

test('a count that falls, then stops falling: the re-count that would end it is told so', async () => {
  expect(await flagsFor(5, [4, 4, 4])).toEqual([false, false, true]);
});

test('a count that falls to zero ends the back-off without another re-count', async () => {
  expect(await flagsFor(2, [0])).toEqual([false]);
});

class Held {
  constructor(readonly id: number) {}
}

test('an instance released by a finalizer after a timer lets go of its owner, during the back-off, is not a leak', async () => {
  // fn keeps a Held in `kept`; a timer drops the owner 40 ms later, and the owner's finalizer
  // empties `kept`. Passing needs a collection, the finalizer's turn and another collection after
  // the timer: what the back-off's last re-count does.
  const kept = new Set<Held>();
  const registry = new FinalizationRegistry<number>(() => kept.clear());
  let owner: object | undefined;
  const fn = (): void => {
    const held = new Held(kept.size);
    kept.add(held);
    owner = {};
    registry.register(owner, held.id);
    setTimeout(() => {
      owner = undefined;
    }, 40);
  };
  const report = await checkLeaks(fn, Held, { warmup: 0 });
  expect(report.leaked, report.format()).toBe(false);
  expect(owner).toBeUndefined();
});
