// Names one version of the library as users run it: a SHA-256 over every file under dist/
// (relative path and bytes, in sorted order). Soaks record it so that passes run in different
// sessions are only ever added up when they judged the very same built code. Never reads
// anything outside the directory it is given.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

function filesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
}

/** `{ digest: 'sha256:<hex>', files }` for the built library in `distDir`. */
export function libraryDigest(distDir) {
  let files;
  try {
    files = filesUnder(distDir).sort();
  } catch (error) {
    throw new Error(`Cannot read the built library in ${distDir} (${error.message}); run npm run build first.`);
  }
  if (files.length === 0) throw new Error(`${distDir} is empty; run npm run build first.`);
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(relative(distDir, file).split(sep).join('/'));
    hash.update('\0');
    hash.update(readFileSync(file));
    hash.update('\0');
  }
  return { digest: `sha256:${hash.digest('hex')}`, files: files.length };
}
