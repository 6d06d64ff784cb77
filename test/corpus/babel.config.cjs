// TypeScript for Jest: strip types and turn ES modules into CommonJS (with source maps, which Jest
// applies to stack traces, so allocation sites name TypeScript lines).
module.exports = {
  presets: ['@babel/preset-typescript'],
  plugins: ['@babel/plugin-transform-modules-commonjs'],
};
