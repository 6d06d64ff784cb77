// Matrix only (scripts/matrix.mjs preloads it with NODE_OPTIONS=--require): a cell lives under the
// repo's .matrix/, so Node's module resolution would climb into the repo's own node_modules when
// a package is missing from the cell and hide the bug a user would hit. Any CommonJS or ESM
// resolution that leaves the cell fails as "not found" (what the user would get) and is logged to
// TRACKREF_MATRIX_ESCAPES, which the matrix reports.
'use strict';
const Module = require('node:module');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const { escapeError, isInside } = require('./escape.cjs');

const cell = process.env.TRACKREF_MATRIX_CELL;
if (cell && !Module.__trackrefMatrixGuard) {
  Module.__trackrefMatrixGuard = true;
  const resolveFilename = Module._resolveFilename;
  Module._resolveFilename = function guardedResolveFilename(request, parent, ...rest) {
    const file = resolveFilename.call(this, request, parent, ...rest);
    if (!isInside(cell, file)) throw escapeError(request, file, 'MODULE_NOT_FOUND', parent && parent.filename);
    return file;
  };
  if (typeof Module.register === 'function') {
    Module.register(pathToFileURL(path.join(__dirname, 'hooks.mjs')), { data: { cell } });
  }
}
