// Jest config of the compatibility matrix's runtime fixture (copied into each Jest cell by
// scripts/matrix.mjs). The setup line is the one the README gives users.
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  setupFilesAfterEnv: ['trackref/jest'],
  testMatch: ['<rootDir>/*.matrix.cjs', '<rootDir>/*.matrix.mjs'],
  transform: {},
  testTimeout: 120000,
};
