// What a check counts and how its report reads, on real objects and real collections: functions and
// objects without a class passed to track() are counted like any other object; a check whose
// births suspected a leak that only the second set of heap runs showed says how many runs it
// counted and why, without a growth-per-run column of bare zeros; checkLeaks(fn, undefined, options)
// still checks every tracked class.
import { describe, expect, test } from 'vitest';
import { ObjectRef, checkLeaks, formatLiveRefs, getOldest, iterAll, track } from 'trackref';

class Item extends ObjectRef {}

describe('track() counts every non-primitive', () => {
  test('functions kept in a registry leak under every tracked class, and by the name Function', async () => {
    const registry: Array<() => number> = [];
    const report = await checkLeaks(() => void registry.push(track(() => registry.length)), undefined, { paths: false });
    expect(report.leaked).toBe(true);
    expect(report.rows.find((row) => row.className === 'Function')).toMatchObject({ leaked: 1, leaking: true });
    const byName = await checkLeaks(() => void registry.push(track(() => 0)), 'Function', { paths: false });
    expect(byName.leaked).toBe(true);
    expect(byName.rows).toMatchObject([{ className: 'Function', leaked: 1 }]);
    expect(getOldest('Function')).toBe(registry[0]);
    expect([...iterAll('Function')].length).toBeGreaterThanOrEqual(registry.length);
    expect(formatLiveRefs()).toMatch(/^Function +\d+ +oldest/m);
  });

  test('async functions count under their own class, AsyncFunction', async () => {
    const registry: Array<() => Promise<void>> = [];
    const report = await checkLeaks(() => void registry.push(track(async () => undefined)), undefined, { paths: false });
    expect(report.rows.find((row) => row.className === 'AsyncFunction')).toMatchObject({ leaked: 1, leaking: true });
  });

  test('released functions pass', async () => {
    const report = await checkLeaks(() => void track(() => 0));
    expect(report.leaked).toBe(false);
  });

  test('objects with a null prototype count as [Object: null prototype]', async () => {
    const registry: object[] = [];
    const report = await checkLeaks(() => void registry.push(track(Object.create(null) as object)), undefined, { paths: false });
    expect(report.rows.find((row) => row.className === '[Object: null prototype]')).toMatchObject({ leaked: 1, leaking: true });
    expect(formatLiveRefs()).toMatch(/^\[Object: null prototype\] +\d+ +oldest/m);
  });

  test('a class passed to track() counts as a Function, derived classes too', async () => {
    class Base {}
    const registry: unknown[] = [];
    const report = await checkLeaks(() => void registry.push(track(class extends Base {})), 'Function', { paths: false });
    expect(report.rows).toMatchObject([{ className: 'Function', leaked: 1, leaking: true }]);
  });

  test('checkLeaks(fn, undefined, options) checks every tracked class with the options', async () => {
    const kept: Item[] = [];
    const report = await checkLeaks(() => void kept.push(new Item()), undefined, { runs: 2, paths: false });
    expect(report.leaked).toBe(true);
    expect(report.runs).toBe(2);
    expect(report.rows.find((row) => row.className === 'Item')).toMatchObject({ leaked: 2, perRun: [1, 2] });
  });
});

describe('runs in the report', () => {
  test('a leak on every other call: births suspect it, the second heap run shows it; the report says 2 runs, and why', async () => {
    const kept: Item[] = [];
    let calls = 0;
    const report = await checkLeaks(
      () => {
        calls++;
        if (calls % 2 === 0) kept.push(new Item());
      },
      Item,
      { paths: false },
    );
    // warm-up (1), births (2: leaks), heap run 1 (3: nothing), heap run 2 (4: leaks), then 2 more
    // after the verdict (5: nothing, 6: leaks) to show how the count moves.
    expect(calls).toBe(6);
    expect(report.leaked).toBe(true);
    expect(report.runs).toBe(1);
    expect(report.heapRuns).toBe(2);
    const text = report.format();
    expect(text).toContain('after 2 runs (1 asked for, and 1 more: counting births suspected a leak that the first run on the heap did not show)');
    expect(text).not.toContain('growth per run');
    expect(text).toMatch(/^\s*class\s+before\s+after\s+leaked\s+oldest leaked\s*$/m);
    expect(text).toContain('fn was called 6 times: 1 warm-up, 1 counted by births, then 2 measured on the heap (the counts above), then 2 more after the verdict.');
  });
});
