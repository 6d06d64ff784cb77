// Jest with trackref's test environment and the per-test guard on.
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'trackref/jest/environment',
  testEnvironmentOptions: { trackref: { guard: true } },
  setupFilesAfterEnv: ['trackref/jest'],
  testMatch: ['<rootDir>/*.test.js'],
  transform: {},
  testTimeout: 60000,
};
