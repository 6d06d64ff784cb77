// Matrix only (jest --resolver): the guard of preload.cjs for modules Jest resolves itself (test
// files, setup files and everything they require or import run in Jest's own module registry).
'use strict';
const { escapeError, isInside } = require('./escape.cjs');

module.exports = function guardedResolver(request, options) {
  const file = options.defaultResolver(request, options);
  const cell = process.env.TRACKREF_MATRIX_CELL;
  if (cell && !isInside(cell, file)) throw escapeError(request, file, 'MODULE_NOT_FOUND', options.basedir);
  return file;
};
