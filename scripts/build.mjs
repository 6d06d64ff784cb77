// Builds dist/: the CommonJS build (tsc), real ESM for the one entry that must import an ESM-only
// runner (trackref/vitest), and thin ESM wrappers over the CommonJS build for every other entry, so
// ESM and CommonJS consumers share one registry and one ObjectRef class. Every compiled file has a
// source map pointing at its TypeScript source (src/, jest/, vitest/), which the package ships, so
// a stack frame inside trackref opens in the installed package.
//
// Run by `npm run build`, `pretest`, `prepack` (so `npm pack` and `npm publish` ship a fresh dist/)
// and the scripts that need dist/; never at install time: users install the built package.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

rmSync(join(root, 'dist'), { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json')], { stdio: 'inherit' });
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.esm.json')], { stdio: 'inherit' });

/** Entries served to ESM consumers by re-exporting the CommonJS build. */
const wrapped = ['src/index', 'jest/index', 'jest/environment', 'vitest/config', 'jest/reporter', 'vitest/reporter'];

function write(file, text) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

for (const entry of wrapped) {
  const cjsFile = join(root, 'dist', 'cjs', `${entry}.js`);
  const esmFile = join(root, 'dist', 'esm', `${entry}.mjs`);
  const spec = `./${relative(dirname(esmFile), cjsFile)}`;
  // trackref/jest can only be loaded inside a Jest test file, so its names are listed here.
  const names = entry === 'jest/index' ? ['guardLeaks', 'allowLeaks'] : Object.keys(require(cjsFile)).filter((n) => n !== '__esModule');
  const named = names.filter((n) => n !== 'default');
  const lines = [`// ESM entry for trackref/${entry.replace(/^src\/index$/, '')}: re-exports the CommonJS build.`];
  // Named re-exports work both natively (Node detects the CommonJS names) and under bundler interop
  // (Vitest inlining a linked package), where a default import would mean `exports.default`.
  if (names.length === 0) {
    lines.push(`import ${JSON.stringify(spec)};`);
  } else {
    if (named.length > 0) lines.push(`export { ${named.join(', ')} } from ${JSON.stringify(spec)};`);
    if (names.includes('default')) {
      lines.push(`import * as cjs from ${JSON.stringify(spec)};`);
      lines.push('const mod = cjs.default;');
      lines.push('export default mod && mod.__esModule ? mod.default : mod;');
    }
  }
  write(esmFile, `${lines.join('\n')}\n`);
  const dtsSpec = spec.replace(/\.js$/, '.js');
  write(esmFile.replace(/\.mjs$/, '.d.mts'), `export * from ${JSON.stringify(dtsSpec)};\n${names.includes('default') ? `export { default } from ${JSON.stringify(dtsSpec)};\n` : ''}`);
}

// trackref/vitest: real ESM (it imports 'vitest'), pointed at the CommonJS core.
const built = join(root, 'dist', 'esm-build');
function copyEsm(dir) {
  for (const name of readdirSync(join(built, dir), { withFileTypes: true })) {
    const rel = join(dir, name.name);
    if (name.isDirectory()) {
      copyEsm(rel);
    } else if (rel.startsWith('vitest') && rel.endsWith('.js.map')) {
      // The source map of a .mjs below: renamed with it. Its sources (../../../vitest/*.ts) are as
      // far from dist/esm/vitest/ as from dist/esm-build/vitest/.
      const map = JSON.parse(readFileSync(join(built, rel), 'utf8'));
      map.file = map.file.replace(/\.js$/, '.mjs');
      write(join(root, 'dist', 'esm', rel.replace(/\.js\.map$/, '.mjs.map')), JSON.stringify(map));
    } else if (rel.startsWith('vitest') && rel.endsWith('.js')) {
      const target = join(root, 'dist', 'esm', rel.replace(/\.js$/, '.mjs'));
      // Only import specifiers change (on their own lines), so the source map's lines still hold.
      const text = readFileSync(join(built, rel), 'utf8')
        .replace(/from '\.\.\/src\/([\w-]+)'/g, "from '../../cjs/src/$1.js'")
        .replace(/^\/\/# sourceMappingURL=(.*)\.js\.map$/m, '//# sourceMappingURL=$1.mjs.map');
      write(target, text);
      write(target.replace(/\.mjs$/, '.d.mts'), `export * from '../../cjs/${rel.replace(/\.js$/, '.js')}';\n`);
    }
  }
}
copyEsm('.');
rmSync(built, { recursive: true, force: true });

// trackref/vitest's matcher type is declared from an ESM-format file: Vitest is ESM, and the
// `declare module 'vitest'` of a CommonJS-format .d.ts augments Vitest's `require` types
// (index.d.cts), which ESM consumers (moduleResolution node16/nodenext) never see. The CommonJS
// declaration file, which every consumer's `types` leads to, references it.
const vitestDts = join(root, 'dist', 'cjs', 'vitest', 'index.d.ts');
const vitestTypes = readFileSync(vitestDts, 'utf8');
const augmentation = vitestTypes.match(/^declare module 'vitest' \{[\s\S]*?^\}\n/m);
if (!augmentation) throw new Error(`build: no "declare module 'vitest'" block in ${vitestDts}`);
write(
  join(root, 'dist', 'esm', 'vitest', 'matchers.d.mts'),
  `import type { ClassTargets, LeakCheckOptions } from '../../cjs/src/targets.js';\n${augmentation[0]}export {};\n`,
);
write(vitestDts, `/// <reference path="../../esm/vitest/matchers.d.mts" />\n${vitestTypes.replace(augmentation[0], '')}`);

// No extra steps: a program that imports trackref anywhere (e.g. a class extending ObjectRef) also
// sees the matchers' types, for whichever runner is installed (an augmentation of a module that is
// not installed is ignored, even with skipLibCheck false).
const mainDts = join(root, 'dist', 'cjs', 'src', 'index.d.ts');
write(mainDts, `/// <reference path="../jest/index.d.ts" />\n/// <reference path="../../esm/vitest/matchers.d.mts" />\n${readFileSync(mainDts, 'utf8')}`);
