// Runtime fixture of the compatibility matrix, run only by trackref's `vitest-gc` wrapper (the other
// forms pass leak.matrix as file filter): the tests' own `gc` global (the wrapper puts --expose-gc
// in NODE_OPTIONS, which reaches every pool's workers).
import { expect, test } from 'vitest';

test('gc is a global', async () => {
  expect(typeof globalThis.gc).toBe('function');
  const ref = new WeakRef({ payload: new Array(1000).fill(0) });
  // A WeakRef keeps its target alive until the current job ends.
  await new Promise((resolve) => setTimeout(resolve, 0));
  globalThis.gc();
  expect(ref.deref()).toBeUndefined();
});
