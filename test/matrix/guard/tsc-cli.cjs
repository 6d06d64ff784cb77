// Matrix only: the same job and output as tsc.cjs for TypeScript 7 and later, whose compiler is a
// native program with no JavaScript API to hide files through. Runs the cell's own
// `tsc -p <tsconfig> --listFiles --pretty false` for each tsconfig; the caller fails a check whose
// program holds a file from outside the cell (where a user's install would have found nothing).
//
//   node tsc-cli.cjs tsconfig.a.json tsconfig.b.json …   (TRACKREF_MATRIX_CELL = the cell directory)
//
// Prints one JSON line per tsconfig: { config, ok, diagnostics (tsc's text), files (the program) }.
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const cell = process.env.TRACKREF_MATRIX_CELL;
if (!cell) throw new Error('TRACKREF_MATRIX_CELL is not set');
const tsc = path.join(cell, 'node_modules', 'typescript', 'bin', 'tsc');

for (const config of process.argv.slice(2)) {
  const run = spawnSync(process.execPath, [tsc, '-p', config, '--listFiles', '--pretty', 'false'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  // --listFiles prints the program's files as absolute paths, one per line; the rest is diagnostics.
  const files = [];
  const diagnosticLines = [];
  for (const line of `${run.stdout ?? ''}${run.stderr ?? ''}`.split('\n')) {
    if (line.trim() === '') continue;
    if (path.isAbsolute(line.trim()) && !/\(\d+,\d+\): /.test(line)) files.push(line.trim());
    else diagnosticLines.push(line);
  }
  const diagnostics = diagnosticLines.join('\n');
  const ok = run.status === 0 && run.error === undefined;
  process.stdout.write(`${JSON.stringify({ config, ok, diagnostics: run.error ? String(run.error) : diagnostics, files })}\n`);
}
