// The corpus under Jest: the default node environment, globals injected, trackref installed with
// setupFilesAfterEnv, TypeScript through babel-jest. Run by scripts/corpus.mjs.
const path = require('node:path');

module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/corpus.test.ts'],
  moduleFileExtensions: ['ts', 'js', 'cjs', 'mjs', 'json'],
  setupFilesAfterEnv: ['trackref/jest'],
  transform: {
    '\\.ts$': ['babel-jest', { configFile: path.join(__dirname, 'babel.config.cjs') }],
  },
  testTimeout: 60000,
};
