// Helpers shared by the benchmark scenarios: timing, statistics, gc access and the result protocol
// between a scenario child process and bench/run.mjs. No benchmark framework, no dependencies.
import { performance } from 'node:perf_hooks';

export const now = () => performance.now();

/** Command-line flags of a scenario child: `--quick`, `--case=name`. */
export const args = process.argv.slice(2);
export const quick = args.includes('--quick');
export function argValue(name, fallback) {
  const hit = args.find((a) => a.startsWith(`--${name}=`));
  return hit === undefined ? fallback : hit.slice(name.length + 3);
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median with the spread (min and max) of a list of samples. */
export function stats(values) {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), n: values.length, samples: values };
}

/** The `gc` function; scenarios run with --expose-gc. */
export function gc() {
  if (typeof globalThis.gc !== 'function') {
    throw new Error('Run this scenario with node --expose-gc (bench/run.mjs does).');
  }
  globalThis.gc();
}

export function fullGc(times = 2) {
  for (let i = 0; i < times; i++) gc();
}

/** Resolves after the current macrotask. */
export const tick = () => new Promise((resolve) => setImmediate(resolve));

/** Times a synchronous function once, in milliseconds. */
export function timeSync(fn) {
  const start = now();
  fn();
  return now() - start;
}

/** Times an async function once, in milliseconds. */
export async function timeAsync(fn) {
  const start = now();
  await fn();
  return now() - start;
}

/** Sends a scenario's result to the parent (one marked line on stdout). */
export function report(result) {
  process.stdout.write(`\nBENCH_RESULT ${JSON.stringify({ node: process.version, ...result })}\n`);
}

/** A sink the optimiser cannot see through: scenarios add to it so their work is never dead. */
export const sink = { value: 0, objects: new Array(64).fill(null) };

/** Live heap after full collections, in bytes. */
export function heapUsedAfterGc() {
  fullGc(3);
  return process.memoryUsage().heapUsed;
}

/** A packed array of `n` nulls (not a dictionary-mode `new Array(n)`), to store objects into. */
export function packedArray(n) {
  const arr = [];
  for (let i = 0; i < n; i++) arr.push(null);
  return arr;
}
