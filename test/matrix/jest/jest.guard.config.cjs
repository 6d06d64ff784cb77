// Jest config of the compatibility matrix's guard fixture: the README's lines for the per-test leak
// guard (trackref's environment with guard: true) and the CI reporter (its file from TRACKREF_REPORT).
module.exports = {
  ...require('./jest.config.cjs'),
  testEnvironment: 'trackref/jest/environment',
  testEnvironmentOptions: { trackref: { guard: true } },
  reporters: ['default', 'trackref/jest/reporter'],
};
