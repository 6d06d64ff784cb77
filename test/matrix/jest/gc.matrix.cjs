// Runtime fixture of the compatibility matrix, run with testEnvironment 'trackref/jest/environment'
// (jest.environment.config.cjs): the environment gives tests a working `gc` global, no Node flag.
test('gc is a global', async () => {
  expect(typeof gc).toBe('function');
  const ref = new WeakRef({ payload: new Array(1000).fill(0) });
  // A WeakRef keeps its target alive until the current job ends.
  await new Promise((resolve) => setTimeout(resolve, 0));
  gc();
  expect(ref.deref()).toBeUndefined();
});
