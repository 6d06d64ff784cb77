// Counting a WeakSet's live entries (src/weak-count.ts), which the guard's minor-first path relies on:
// exact counts, entries gone after a scavenge when their keys died young, never a zero for a text it
// does not know, and counting never keeps an entry alive.
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { inspect } from 'node:util';
import { expect, test } from 'vitest';

const require = createRequire(import.meta.url);
const dist = path.resolve(import.meta.dirname, '../../dist/cjs');
type CountModule = typeof import('../../src/weak-count');
type GcModule = typeof import('../../src/gc');
const { canCountWeakSets, liveEntries, parseWeakSetInspection }: CountModule = require(path.join(dist, 'src/weak-count.js'));
const { collectYoung, gcFunction }: GcModule = require(path.join(dist, 'src/gc.js'));

test('counts exactly, on this Node', () => {
  expect(canCountWeakSets()).toBe(true);
  const set = new WeakSet<object>();
  const keys: object[] = [];
  for (const n of [0, 1, 2, 50, 1000]) {
    while (keys.length < n) {
      const key = { n: keys.length };
      keys.push(key);
      set.add(key);
    }
    expect(liveEntries(set)).toBe(n);
  }
});

test('the count is the same whatever util.inspect.defaultOptions say', () => {
  const saved = { ...inspect.defaultOptions };
  try {
    Object.assign(inspect.defaultOptions, { maxArrayLength: 5, breakLength: 10, compact: false, sorted: true, depth: 0, colors: true });
    const set = new WeakSet<object>();
    const keys = [{}, {}, {}];
    for (const key of keys) set.add(key);
    expect(liveEntries(set)).toBe(3);
  } finally {
    Object.assign(inspect.defaultOptions, saved);
  }
});

test('a text of another shape is unknown, never zero', () => {
  expect(parseWeakSetInspection('WeakSet {  }')).toBe(0);
  expect(parseWeakSetInspection('WeakSet { ... 1 more item }')).toBe(1);
  expect(parseWeakSetInspection('WeakSet { ... 12 more items }')).toBe(12);
  expect(parseWeakSetInspection('WeakSet { <items unknown> }')).toBeUndefined();
  expect(parseWeakSetInspection('WeakSet { {}, ... 2 more items }')).toBeUndefined();
  expect(parseWeakSetInspection('WeakMap { ... 2 more items }')).toBeUndefined();
  expect(parseWeakSetInspection('')).toBeUndefined();
});

test('a scavenge drops the entries of keys that died young, and keeps the live ones', async () => {
  const set = new WeakSet<object>();
  const live: object[] = [];
  (() => {
    for (let i = 0; i < 100; i++) {
      const key = { i };
      set.add(key);
      if (i % 10 === 0) live.push(key);
    }
  })();
  expect(liveEntries(set)).toBe(100);
  await new Promise((resolve) => setImmediate(resolve));
  collectYoung();
  expect(liveEntries(set)).toBe(10);
  expect(live.every((key) => set.has(key))).toBe(true);
});

test('counting keeps no entry alive', async () => {
  const set = new WeakSet<object>();
  const refs: Array<WeakRef<object>> = [];
  (() => {
    for (let i = 0; i < 20; i++) {
      const key = { i };
      set.add(key);
      refs.push(new WeakRef(key));
    }
  })();
  expect(liveEntries(set)).toBe(20);
  await new Promise((resolve) => setImmediate(resolve));
  gcFunction()();
  expect(liveEntries(set)).toBe(0);
  expect(refs.filter((ref) => ref.deref() !== undefined)).toHaveLength(0);
});
