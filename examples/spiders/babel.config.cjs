// Babel config for the example Jest suite: strips TypeScript types and turns ES modules into
// CommonJS for every .ts file Jest loads (the tests and the spider framework they import).
// Needs the devDependencies @babel/preset-typescript and @babel/plugin-transform-modules-commonjs.
module.exports = {
  presets: ['@babel/preset-typescript'],
  plugins: ['@babel/plugin-transform-modules-commonjs'],
};
