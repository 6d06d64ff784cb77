// Runtime fixture of the compatibility matrix: a second test file, so that Jest runs the files in
// its workers rather than in its own process, and a check of where this file ran. The matrix sets
// TRACKREF_MATRIX_WORKER to 'process' (child-process workers) or 'thread' (--workerThreads).
const { isMainThread } = require('node:worker_threads');

test('ran in a Jest worker', () => {
  const expected = process.env.TRACKREF_MATRIX_WORKER;
  // A child-process worker is jest-worker's processChild script (Jest's sandboxed `process` has a
  // `send` even in band, so that tells nothing).
  const where = !isMainThread ? 'thread' : process.argv.some((arg) => /processChild/.test(arg)) ? 'process' : 'in band';
  expect(where).toBe(expected);
});
