// Jest config for the example spider suite: TypeScript through babel-jest, Node environment, and
// trackref's matchers (`toLeak`) installed by `setupFilesAfterEnv: ['trackref/jest']`.
// Run from the repo root: npx jest --config examples/spiders/jest.config.cjs
const path = require('node:path');

/** @type {import('jest').Config} */
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.jest.test.ts'],
  setupFilesAfterEnv: ['trackref/jest'],
  transform: {
    '\\.ts$': ['babel-jest', { configFile: path.join(__dirname, 'babel.config.cjs') }],
  },
  testTimeout: 30_000,
};
