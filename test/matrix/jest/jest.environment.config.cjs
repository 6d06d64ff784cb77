// Jest config of the compatibility matrix's runtime fixture with trackref's test environment (the
// README's optional setup line): a node environment that also gives tests a working `gc` global.
module.exports = {
  ...require('./jest.config.cjs'),
  testEnvironment: 'trackref/jest/environment',
};
