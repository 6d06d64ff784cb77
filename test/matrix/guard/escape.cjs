// Matrix only: what the resolution guards share (see preload.cjs).
'use strict';
const { appendFileSync } = require('node:fs');
const path = require('node:path');

function isInside(cell, file) {
  if (typeof file !== 'string' || !path.isAbsolute(file)) return true; // node: builtins
  return file === cell || file.startsWith(cell + path.sep);
}

/** The error a user's install would give (the package is not there); logged for the matrix. */
function escapeError(request, file, code, issuer) {
  const message = `Cannot find module '${request}' (trackref matrix: it resolved outside the cell, to ${file})`;
  if (process.env.TRACKREF_MATRIX_ESCAPES) {
    try {
      appendFileSync(process.env.TRACKREF_MATRIX_ESCAPES, `${JSON.stringify({ issuer: issuer ?? '', request, file })}\n`);
    } catch {
      // best effort
    }
  }
  const error = new Error(message);
  error.code = code;
  return error;
}

module.exports = { escapeError, isInside };
