// collectGarbage(): a full, settled collection (weak references cleared, finalizers run) with no
// --expose-gc flag: in this process, in a child process started without the flag, in a worker thread.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { expect, test } from 'vitest';
import { collectGarbage } from 'trackref';

const require = createRequire(import.meta.url);
const repo = path.resolve(import.meta.dirname, '../..');
/** The CommonJS entry a user's `require('trackref')` loads. */
const trackrefMain = require.resolve('trackref');

/** An environment without anything that would expose gc (or Vitest's own variables). */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key === 'NODE_OPTIONS' || key.startsWith('VITEST') || key === 'TEST' || key === 'NODE_ENV') continue;
    env[key] = value;
  }
  return env;
}

/** Script (CommonJS) that checks collectGarbage clears a WeakRef and runs a finalizer. */
const CHECK_SCRIPT = `
const { collectGarbage } = require(${JSON.stringify(trackrefMain)});
const { isMainThread } = require('node:worker_threads');
const result = { gcGlobalBefore: typeof globalThis.gc, execArgv: process.execArgv, isMainThread };
const finalized = [];
const registry = new FinalizationRegistry((held) => finalized.push(held));
function make() {
  const obj = { payload: new Array(1000).fill(1) };
  registry.register(obj, 'finalized-token');
  return new WeakRef(obj);
}
const ref = make();
collectGarbage().then(() => {
  result.cleared = ref.deref() === undefined;
  result.finalized = finalized;
  result.gcGlobalAfter = typeof globalThis.gc;
  const out = JSON.stringify(result);
  if (isMainThread) console.log(out); else require('node:worker_threads').parentPort.postMessage(out);
}, (error) => { console.error(error); process.exitCode = 1; });
`;

test('in this process: clears WeakRefs and runs FinalizationRegistry callbacks', async () => {
  const finalized: string[] = [];
  const registry = new FinalizationRegistry<string>((held) => finalized.push(held));
  const ref = ((): WeakRef<object> => {
    const obj = { payload: new Array(1000).fill(1) };
    registry.register(obj, 'here');
    return new WeakRef(obj);
  })();
  await collectGarbage();
  expect(ref.deref()).toBeUndefined();
  expect(finalized).toEqual(['here']);
});

test('resolves to undefined and can be called repeatedly', async () => {
  await expect(collectGarbage()).resolves.toBeUndefined();
  await collectGarbage();
  await collectGarbage();
});

test('in a child process started without --expose-gc', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', CHECK_SCRIPT], { cwd: repo, env: cleanEnv() });
  const result = JSON.parse(stdout.trim());
  expect(result.gcGlobalBefore).toBe('undefined');
  expect(result.execArgv.filter((arg: string) => /expose[-_]gc/.test(arg))).toEqual([]);
  expect(result.cleared).toBe(true);
  expect(result.finalized).toEqual(['finalized-token']);
});

test('in a worker thread (where --expose-gc cannot be passed in execArgv)', async () => {
  const worker = new Worker(CHECK_SCRIPT, { eval: true, env: cleanEnv() });
  const message = await new Promise<string>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`worker exited with ${code} before answering`)));
  });
  await worker.terminate();
  const result = JSON.parse(message);
  expect(result.isMainThread).toBe(false);
  expect(result.cleared).toBe(true);
  expect(result.finalized).toEqual(['finalized-token']);
});

test('in a worker thread of a child process started without --expose-gc', async () => {
  const script = `
    const { Worker } = require('node:worker_threads');
    const worker = new Worker(${JSON.stringify(CHECK_SCRIPT)}, { eval: true });
    worker.once('message', (m) => { console.log(m); worker.terminate(); });
    worker.once('error', (e) => { console.error(e); process.exitCode = 1; });
  `;
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { cwd: repo, env: cleanEnv() });
  const result = JSON.parse(stdout.trim());
  expect(result.gcGlobalBefore).toBe('undefined');
  expect(result.isMainThread).toBe(false);
  expect(result.cleared).toBe(true);
  expect(result.finalized).toEqual(['finalized-token']);
});
