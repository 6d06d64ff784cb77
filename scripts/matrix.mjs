#!/usr/bin/env node
// The compatibility matrix: trackref as users install it (the `npm pack` tarball), against each
// supported runner version, on the Node version that runner needs.
//
//   node scripts/matrix.mjs                 every cell
//   node scripts/matrix.mjs --ci            the cells CI runs (.ci/run)
//   node scripts/matrix.mjs --cells jest29,vitest5
//   node scripts/matrix.mjs --list          the cells and what they install
//
// Other options: --jobs N (cells run at once, default 1), --skip-build (reuse the last tarball),
// --tarball FILE (check this tarball instead of packing the working tree),
// --types-only / --runtime-only, --verbose (print every step's output), --limit-scale F (multiply
// every step's time limit, STEP_TIMEOUT_MS, by F, e.g. 2 on a busy machine), --modes types,setup,…
// (the ways of bringing the types in to check, default all; see TYPE_MODES),
// --override PATH=FILE[,PATH=FILE…] (try a candidate change without touching the repo: FILE
// replaces node_modules/trackref/PATH in each cell for this run only, e.g.
// dist/cjs/vitest/index.d.ts=/tmp/index.d.ts or package.json=/tmp/package.json; then restored).
//
// For each cell, under .matrix/ (a cache, never committed):
//   1. install the tarball, the runner and TypeScript with `npm install --no-audit --no-fund`, or
//      in the -pnpm cells with pnpm's strict layout (`hoist: false`) (skipped when the cell's
//      package.json is unchanged since its last successful install);
//   2. type-check the cell's fixtures from test/types/ with `tsc --noEmit`: each module resolution
//      (bundler, node16/nodenext as ESM and as CommonJS, node10, and bundler with skipLibCheck
//      false) times each way of bringing the types in (TYPE_MODES);
//   3. run the runtime fixture from test/matrix/ with the runner's JSON reporter, in ESM and
//      CommonJS consumer forms (Vitest's ESM form under each pool; Jest's CommonJS form also in
//      its child-process and worker-thread workers, with trackref's test environment and under
//      its jest-gc wrapper; Vitest also under vitest-gc):
//      `clean` and `positive` must pass, `leaky` must fail with trackref's report; and the leak
//      guard with the CI reporter (test/matrix/*/guard*): the guard fails the leaky test and the
//      reporter's JSON lists it.
// Prints a table of cell → pass/fail → seconds; exits 1 when any cell failed.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeBinFor, pnpmScript } from './registry-tools.mjs';
import { childEnv, run } from './run-command.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cacheDir = join(root, '.matrix');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const typescript = pkg.devDependencies?.typescript ?? '~5.9.3';

// ---------------------------------------------------------------------------------------------
// The cells. `node` is the major version the runner runs on: the current Node when it has that
// major, else the `node-<os>-<arch>` package from the npm registry (the binary is in the package).

const jestDeps = (major, nodeTypes = '^20.0.0', ts = typescript) => ({
  jest: `^${major}.0.0`,
  '@jest/globals': `^${major}.0.0`,
  '@types/jest': `^${major}.0.0`,
  '@types/node': nodeTypes,
  typescript: ts,
});
const vitestDeps = (range, nodeTypes = '^20.0.0', ts = typescript) => ({ vitest: range, '@types/node': nodeTypes, typescript: ts });

const CELLS = [
  { name: 'jest29', runner: 'jest', node: 20, deps: jestDeps(29) },
  { name: 'jest30', runner: 'jest', node: 20, deps: jestDeps(30) },
  // Vitest 3.0's vm pools crash now and then on Node >= 20.17 (the process or the fork dies without
  // a word: vitest-dev/vitest#7741, nodejs/node#54735); Vitest 3.1 fixed it, so vm pools from 3.1 on.
  { name: 'vitest3.0', runner: 'vitest', node: 20, deps: vitestDeps('~3.0.0'), skipPools: ['vmThreads', 'vmForks'] },
  { name: 'vitest3.1', runner: 'vitest', node: 20, deps: vitestDeps('~3.1.0') },
  { name: 'vitest3.2', runner: 'vitest', node: 20, deps: vitestDeps('~3.2.0') },
  { name: 'vitest4', runner: 'vitest', node: 20, deps: vitestDeps('^4.0.0') },
  // Vitest 5 needs Node >= 22.12.
  { name: 'vitest5', runner: 'vitest', node: 24, deps: vitestDeps('^5.0.0', '^24.0.0') },
  // Node 22 (maintenance LTS), with the newest runners of each family.
  { name: 'jest30-node22', runner: 'jest', node: 22, deps: jestDeps(30, '^22.0.0') },
  { name: 'vitest5-node22', runner: 'vitest', node: 22, deps: vitestDeps('^5.0.0', '^22.0.0') },
  // The newest runners of each family on the newer Node too.
  { name: 'jest30-node24', runner: 'jest', node: 24, deps: jestDeps(30, '^24.0.0') },
  { name: 'vitest4-node24', runner: 'vitest', node: 24, deps: vitestDeps('^4.0.0', '^24.0.0') },
  // TypeScript 6 (the last compiler written in TypeScript) and 7 (native; the `typescript` users get
  // today). Since 6, `types` defaults to [] (no @types package is in a program unless listed). Types
  // only: the runtime is the jest30 and vitest4 cells' (the compiler does not change it).
  { name: 'vitest4-ts6', runner: 'vitest', node: 20, deps: vitestDeps('^4.0.0', '^20.0.0', '^6.0.0'), typesOnly: true },
  { name: 'jest30-ts7', runner: 'jest', node: 20, deps: jestDeps(30, '^20.0.0', '^7.0.0'), typesOnly: true },
  { name: 'vitest4-ts7', runner: 'vitest', node: 20, deps: vitestDeps('^4.0.0', '^20.0.0', '^7.0.0'), typesOnly: true },
  // pnpm's strict layout (`hoist: false`): a package sees only its own dependencies and peers, so
  // trackref's type augmentations must resolve the runner's modules from trackref's own folder.
  // jest-environment-node is listed because the cell is nested in the repo: Jest looks for the test
  // environment from the project's root upwards before asking its own dependencies, and would
  // otherwise find the repo's copy (a user's pnpm project has none above it and gets Jest's own).
  { name: 'jest30-pnpm', runner: 'jest', node: 20, deps: { ...jestDeps(30), 'jest-environment-node': '^30.0.0' }, installer: 'pnpm' },
  { name: 'vitest4-pnpm', runner: 'vitest', node: 20, deps: vitestDeps('^4.0.0'), installer: 'pnpm' },
];

/** The pnpm the pnpm cells install with (fetched from the npm registry into .matrix/pnpm/). */
const PNPM_VERSION = '12.21.0';

/**
 * The cells .ci/run checks (their times are in the compatibility matrix table of docs/trust.md):
 * all but Vitest 3.0 and 3.1 (Vitest 3.2 stands for the 3.x line) and TypeScript 6 (7 is the one
 * users get today), left out to keep CI under 45 minutes; `node scripts/matrix.mjs` runs every cell.
 */
const CI_CELLS = ['vitest5', 'jest30', 'vitest4', 'jest29', 'vitest3.2', 'jest30-node24', 'vitest4-node24', 'jest30-node22', 'vitest5-node22', 'jest30-ts7', 'vitest4-ts7', 'jest30-pnpm', 'vitest4-pnpm'];

/**
 * Type fixtures per runner: the file in test/types/; `types` is compilerOptions.types in the
 * 'types' mode, `baseTypes` in the other modes (undefined: TypeScript's default, which before
 * TypeScript 6 is every @types package; from 6 on, when the default is none, `listedTypes`: what
 * such a user lists).
 */
const TYPE_FIXTURES = {
  jest: [
    // Global `expect` from @types/jest: with no `types` option every @types package is in the program.
    { name: 'jest-global', file: 'jest-global.ts', types: ['node', 'jest', 'trackref/jest'], baseTypes: undefined, listedTypes: ['node', 'jest'] },
    // `import { expect } from '@jest/globals'` with @types/jest kept out of the program.
    { name: 'jest-globals', file: 'jest-globals.ts', types: ['node', 'trackref/jest'], baseTypes: ['node'] },
  ],
  vitest: [{ name: 'vitest', file: 'vitest.ts', types: ['node', 'trackref/vitest'], baseTypes: undefined, listedTypes: ['node'] }],
};

/**
 * Module resolutions a user's tsconfig may have. `type` is the fixture's package.json "type" (so
 * node16/nodenext treat the .ts files as ESM or CommonJS). `skipLibCheck: false` also checks the
 * merge of trackref's declarations with the runner's (an augmentation whose type parameters differ
 * from the runner's interface is only reported there); it costs ~5x, so only 'strict' has it, with
 * the ways of bringing the types in that include an import ('setup', 'app'; the merge does not
 * depend on the module resolution).
 */
const TYPE_VARIANTS = [
  { name: 'bundler', module: 'esnext', moduleResolution: 'bundler', type: 'module', skipLibCheck: true },
  { name: 'node16-esm', module: 'node16', moduleResolution: 'node16', type: 'module', skipLibCheck: true },
  { name: 'node16-cjs', module: 'node16', moduleResolution: 'node16', type: 'commonjs', skipLibCheck: true },
  { name: 'nodenext-esm', module: 'nodenext', moduleResolution: 'nodenext', type: 'module', skipLibCheck: true },
  { name: 'nodenext-cjs', module: 'nodenext', moduleResolution: 'nodenext', type: 'commonjs', skipLibCheck: true },
  // node10 is deprecated by TypeScript 6 and gone in 7: checked only where a user can still pick it.
  { name: 'node10', module: 'commonjs', moduleResolution: 'node10', type: 'commonjs', skipLibCheck: true, maxTsMajor: 5 },
  // The runners' own declarations need the DOM lib when they are checked too.
  { name: 'strict', module: 'esnext', moduleResolution: 'bundler', type: 'module', skipLibCheck: false, lib: ['ES2022', 'DOM'], modes: ['setup', 'app'] },
];
/**
 * Ways a user brings the matcher types in (test/types/README.md): 'types' lists trackref/<adapter>
 * in compilerOptions.types; 'setup' has a .ts file in the program that imports it (the setup file
 * the runner loads, or any file); 'reference' has a .d.ts in the program with
 * `/// <reference types="trackref/<adapter>" />`; 'app' has nothing but a file of the user's code
 * that imports 'trackref' (a class extending ObjectRef): DESIGN.md's "no extra steps".
 */
const TYPE_MODES = ['types', 'setup', 'reference', 'app'];

/** Runtime forms per runner: files copied from test/matrix/<runner>/, and how the runner is run. */
const RUNTIME_FORMS = {
  jest: [
    { name: 'cjs', dir: 'jest', test: 'leak\\.matrix\\.cjs$' },
    // Two files (and no timings cached), so Jest runs them in its workers: child processes, then
    // worker threads. where.matrix.cjs checks which.
    { name: 'cjs workers', dir: 'jest', test: '(leak|where)\\.matrix\\.cjs$', args: ['--maxWorkers=2'], worker: 'process', alsoPassed: ['ran in a Jest worker'] },
    { name: 'cjs workerThreads', dir: 'jest', test: '(leak|where)\\.matrix\\.cjs$', args: ['--maxWorkers=2', '--workerThreads'], worker: 'thread', alsoPassed: ['ran in a Jest worker'] },
    // testEnvironment 'trackref/jest/environment': gc.matrix.cjs checks its `gc` global.
    { name: 'cjs environment', dir: 'jest', config: 'jest.environment.config.cjs', test: '(leak|gc)\\.matrix\\.cjs$', alsoPassed: ['gc is a global'] },
    // trackref's jest-gc wrapper: the tests' own `gc` global, without trackref's environment.
    { name: 'cjs jest-gc', dir: 'jest', bin: 'jest-gc', test: '(leak|gc)\\.matrix\\.cjs$', alsoPassed: ['gc is a global'] },
    // The per-test leak guard and the CI reporter, in two workers (the reporter merges their parts).
    { name: 'cjs guard', dir: 'jest', config: 'jest.guard.config.cjs', test: '(guard|where)\\.matrix\\.cjs$', args: ['--maxWorkers=2'], worker: 'process', alsoPassed: ['ran in a Jest worker'], guard: true },
    { name: 'esm', dir: 'jest', test: 'leak\\.matrix\\.mjs$', nodeOptions: '--experimental-vm-modules' },
  ],
  vitest: [
    // Under each pool: the pools isolate tests differently (processes, worker threads, vm contexts).
    { name: 'esm', dir: 'vitest/esm', files: ['leak.matrix'], pools: ['forks', 'threads', 'vmThreads', 'vmForks'] },
    // A CommonJS project (the cell's package.json says "type": "commonjs").
    { name: 'cjs', dir: 'vitest/cjs' },
    // The per-test leak guard and the CI reporter.
    { name: 'esm guard', dir: 'vitest/guard', guard: true },
    // trackref's vitest-gc wrapper: the tests' own `gc` global, in a process pool and a thread pool.
    { name: 'vitest-gc', dir: 'vitest/esm', bin: 'vitest-gc', files: ['leak.matrix', 'gc.matrix'], pools: ['forks', 'threads'], alsoPassed: ['gc is a global'] },
  ],
};

/** Each step's time limit (× --limit-scale); a step that hits it fails saying so (run-command.mjs). */
const STEP_TIMEOUT_MS = { install: 15 * 60_000, tsc: 5 * 60_000, runtime: 10 * 60_000, build: 10 * 60_000 };
let limitScale = 1;

/** The options of run() that set a step's time limit and name it in a message. */
function limitOf(step) {
  return {
    timeoutMs: STEP_TIMEOUT_MS[step] * limitScale,
    limit: `the matrix's ${step} limit, ${(STEP_TIMEOUT_MS[step] * limitScale) / 1000} s; raise every limit with --limit-scale ${limitScale * 2}`,
  };
}

// ---------------------------------------------------------------------------------------------
// Options

function parseArgs(argv) {
  const options = { cells: undefined, jobs: 1, limitScale: 1, skipBuild: false, tarball: undefined, types: true, runtime: true, verbose: false, list: false, overrides: [], modes: TYPE_MODES };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      if (v === undefined) fail(`${arg} needs a value`);
      return v;
    };
    const name = arg.split('=')[0];
    if (name === '--ci') options.cells = CI_CELLS;
    else if (name === '--cells') options.cells = value().split(',').map((s) => s.trim()).filter(Boolean);
    else if (name === '--jobs') options.jobs = Math.max(1, Number.parseInt(value(), 10) || 1);
    else if (name === '--skip-build') options.skipBuild = true;
    else if (name === '--limit-scale') {
      options.limitScale = Number(value());
      if (!(options.limitScale > 0)) fail(`--limit-scale takes a number > 0, e.g. --limit-scale 2`);
    }
    else if (name === '--tarball') {
      options.tarball = resolve(value());
      if (!existsSync(options.tarball)) fail(`--tarball: no file ${options.tarball}`);
    }
    else if (name === '--types-only') options.runtime = false;
    else if (name === '--runtime-only') options.types = false;
    else if (name === '--verbose') options.verbose = true;
    else if (name === '--modes') {
      options.modes = value().split(',').map((m) => m.trim()).filter(Boolean);
      for (const mode of options.modes) if (!TYPE_MODES.includes(mode)) fail(`unknown mode ${mode}; modes: ${TYPE_MODES.join(', ')}`);
    }
    else if (name === '--list') options.list = true;
    else if (name === '--override') {
      for (const pair of value().split(',')) {
        const [path, file] = pair.split('=');
        if (!path || !file || path.startsWith('/') || path.split('/').includes('..')) fail(`--override takes PATH=FILE (PATH inside the package), not ${pair}`);
        if (!existsSync(resolve(file))) fail(`--override: no file ${file}`);
        options.overrides.push({ path, file: resolve(file) });
      }
    } else if (name === '--help' || name === '-h') {
      const lines = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1);
      console.log(lines.slice(0, lines.findIndex((l) => !l.startsWith('//'))).map((l) => l.slice(3)).join('\n'));
      process.exit(0);
    } else fail(`unknown option ${arg} (see --help)`);
  }
  const known = new Set(CELLS.map((c) => c.name));
  for (const name of options.cells ?? []) if (!known.has(name)) fail(`unknown cell ${name}; cells: ${[...known].join(', ')}`);
  return options;
}

function fail(message) {
  console.error(`matrix: ${message}`);
  process.exit(2);
}

const isInside = (dir, file) => file === dir || file.startsWith(dir + sep);
const stripAnsi = (text) => text.replace(/\u001b\[[0-9;]*m/g, '');
const sha = (text) => createHash('sha256').update(text).digest('hex').slice(0, 12);
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

// ---------------------------------------------------------------------------------------------
// Build: `npm pack` from a copy of the working tree, so a running build or test in the repo never
// sees dist/ disappear.

async function buildTarball(options) {
  const tarballs = join(cacheDir, 'tarballs');
  mkdirSync(tarballs, { recursive: true });
  if (options.tarball) {
    const bytes = readFileSync(options.tarball);
    const name = `${basename(options.tarball, '.tgz')}-${createHash('sha256').update(bytes).digest('hex').slice(0, 12)}.tgz`;
    if (!existsSync(join(tarballs, name))) copyFileSync(options.tarball, join(tarballs, name));
    return join(tarballs, name);
  }
  if (options.skipBuild) {
    const last = readdirSync(tarballs).filter((f) => f.endsWith('.tgz')).sort((a, b) => statMtime(join(tarballs, b)) - statMtime(join(tarballs, a)))[0];
    if (!last) fail('--skip-build: no tarball in .matrix/tarballs yet');
    return join(tarballs, last);
  }
  const work = mkdtempSync(join(tmpdir(), 'trackref-pack-'));
  try {
    const src = join(work, 'src');
    const skip = new Set(['node_modules', '.git', 'dist', 'build', '.matrix', '.bench-tmp']);
    cpSync(root, src, {
      recursive: true,
      filter: (from) => {
        const rel = relative(root, from);
        return rel === '' || (!rel.split(/[\\/]/).some((part) => skip.has(part)) && !rel.endsWith('.tgz'));
      },
    });
    symlinkSync(join(root, 'node_modules'), join(src, 'node_modules'), 'dir');
    const out = join(work, 'out');
    mkdirSync(out);
    const result = await run('npm', ['pack', '--json', '--pack-destination', out], {
      cwd: src,
      env: childEnv(dirname(process.execPath)),
      ...limitOf('build'),
      log: join(cacheDir, 'logs', 'build.log'),
    });
    const file = readdirSync(out).find((f) => f.endsWith('.tgz'));
    if (result.code !== 0 || !file) {
      console.error(result.output);
      fail(`npm pack failed, ${result.exit} (log: .matrix/logs/build.log)`);
    }
    const bytes = readFileSync(join(out, file));
    const name = `${basename(file, '.tgz')}-${createHash('sha256').update(bytes).digest('hex').slice(0, 12)}.tgz`;
    for (const old of readdirSync(tarballs)) if (old !== name) rmSync(join(tarballs, old), { force: true });
    copyFileSync(join(out, file), join(tarballs, name));
    console.log(`matrix: packed ${file} (${(bytes.length / 1024).toFixed(0)} kB) in ${result.seconds.toFixed(1)}s`);
    return join(tarballs, name);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function statMtime(file) {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

// ---------------------------------------------------------------------------------------------
// One cell

async function runCell(cell, tarball, options) {
  const started = Date.now();
  const dir = join(cacheDir, 'cells', cell.name);
  const logs = join(cacheDir, 'logs', cell.name);
  rmSync(logs, { recursive: true, force: true });
  const checks = [];
  const note = (name, ok, detail = '', seconds = 0) => {
    checks.push({ name, ok, detail, seconds });
    if (options.verbose || !ok) console.log(`  [${cell.name}] ${ok ? 'ok  ' : 'FAIL'} ${name}${seconds ? ` (${seconds.toFixed(1)}s)` : ''}${detail ? `\n${indent(detail, '      ')}` : ''}`);
  };
  const result = { cell, checks, versions: {}, node: '?', seconds: 0 };
  try {
    const nodeBin = await nodeBinFor(cell.node);
    const env = childEnv(nodeBin);
    const nodeExe = join(nodeBin, 'node');

    // 1. Install.
    mkdirSync(dir, { recursive: true });
    const manifest = JSON.stringify(
      { name: `trackref-matrix-${cell.name.replace(/\./g, '-')}`, private: true, type: 'commonjs', dependencies: { ...cell.deps, trackref: `file:${relative(dir, tarball)}` } },
      null,
      2,
    );
    const stamp = join(dir, '.installed');
    if (!(existsSync(stamp) && readFileSync(stamp, 'utf8') === manifest && existsSync(join(dir, 'node_modules', 'trackref')))) {
      rmSync(stamp, { force: true });
      writeFileSync(join(dir, 'package.json'), manifest);
      const install = await installCell(cell, dir, nodeExe, env, join(logs, 'install.log'));
      note('install', install.code === 0, install.code === 0 ? '' : `${install.exit}\n${tail(install.output)}`, install.seconds);
      if (install.code !== 0) return result;
      writeFileSync(stamp, manifest);
    } else {
      note('install (cached)', true);
    }
    const nodeVersion = await run(nodeExe, ['--version'], { cwd: dir, env, timeoutMs: 60_000, limit: 'the 60 s limit of node --version in scripts/matrix.mjs' });
    result.node = nodeVersion.output.trim().replace(/^v/, '');
    for (const name of [cell.runner, 'typescript']) {
      result.versions[name] = readJson(join(dir, 'node_modules', name, 'package.json')).version;
    }

    // The guards (test/matrix/guard/) keep the checks inside the cell: a cell lives under the repo,
    // so tsc and Node would otherwise also find packages in the repo's own node_modules. They go
    // into the cell because they must themselves resolve inside it.
    const guard = join(dir, 'guard');
    rmSync(guard, { recursive: true, force: true });
    cpSync(join(root, 'test', 'matrix', 'guard'), guard, { recursive: true });
    const cellEnv = { ...env, TRACKREF_MATRIX_CELL: realpathSync(dir) };

    const restore = applyOverrides(dir, cell, options.overrides);
    try {
      // 2. Types.
      if (options.types) await checkTypes(cell, dir, nodeExe, cellEnv, logs, note, options);
      // 3. Runtime.
      if (options.runtime && !cell.typesOnly) await checkRuntime(cell, dir, nodeExe, cellEnv, logs, note, options);
    } finally {
      restore();
    }
  } catch (error) {
    note('cell', false, String(error.stack ?? error));
  } finally {
    result.seconds = (Date.now() - started) / 1000;
  }
  return result;
}

/**
 * Installs the cell's package.json with npm, or with pnpm in its strict layout (`hoist: false`:
 * nothing is hoisted, so each package finds only what it declares), from a clean node_modules.
 */
async function installCell(cell, dir, nodeExe, env, log) {
  if (cell.installer !== 'pnpm') return run('npm', ['install', '--no-audit', '--no-fund'], { cwd: dir, env, ...limitOf('install'), log });
  rmSync(join(dir, 'node_modules'), { recursive: true, force: true });
  rmSync(join(dir, 'pnpm-lock.yaml'), { force: true });
  const settings = [
    '# The strict layout: no hoisting, not even into node_modules/.pnpm/node_modules.',
    'hoist: false',
    "# The runners' optional native builds (e.g. @parcel/watcher) are not needed here; pnpm would refuse to skip them silently.",
    'strictDepBuilds: false',
  ];
  writeFileSync(join(dir, 'pnpm-workspace.yaml'), `${settings.join('\n')}\n`);
  return run(nodeExe, [await pnpmScript(PNPM_VERSION), 'install', '--config.confirmModulesPurge=false'], { cwd: dir, env, ...limitOf('install'), log });
}

/** Applies --override files to the cell's installed trackref; returns what restores the originals. */
function applyOverrides(dir, cell, overrides) {
  const undo = [];
  for (const { path, file } of overrides) {
    const target = join(dir, 'node_modules', 'trackref', path);
    const original = existsSync(target) ? readFileSync(target) : undefined;
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(file, target);
    undo.push(() => (original === undefined ? rmSync(target, { force: true }) : writeFileSync(target, original)));
    console.log(`  [${cell.name}] override: node_modules/trackref/${path} ← ${file}`);
  }
  return () => undo.reverse().forEach((fn) => fn());
}

async function checkTypes(cell, dir, nodeExe, env, logs, note, options) {
  const realDir = realpathSync(dir);
  const typesDir = join(dir, 'types');
  rmSync(typesDir, { recursive: true, force: true });
  const tsMajor = Number(readJson(join(dir, 'node_modules', 'typescript', 'package.json')).version.split('.')[0]);
  // TypeScript 7's compiler is native (no JavaScript API): it is run as a command instead.
  const tsc = join(dir, 'guard', tsMajor >= 7 ? 'tsc-cli.cjs' : 'tsc.cjs');
  const jobs = [];
  for (const variant of TYPE_VARIANTS.filter((v) => tsMajor <= (v.maxTsMajor ?? Infinity))) {
    const vdir = join(typesDir, variant.name);
    mkdirSync(vdir, { recursive: true });
    writeFileSync(join(vdir, 'package.json'), JSON.stringify({ private: true, type: variant.type }, null, 2));
    writeFileSync(join(vdir, 'setup.ts'), `// A setup file in the program: brings the matcher types in.\nimport 'trackref/${cell.runner}';\n`);
    writeFileSync(join(vdir, 'trackref-env.d.ts'), `/// <reference types="trackref/${cell.runner}" />\n`);
    writeFileSync(join(vdir, 'app.ts'), `// User code that uses trackref, and nothing else.\nimport { ObjectRef } from 'trackref';\n\nexport class Page extends ObjectRef {}\n`);
    for (const fixture of TYPE_FIXTURES[cell.runner]) {
      copyFileSync(join(root, 'test', 'types', fixture.file), join(vdir, fixture.file));
      for (const mode of variant.modes ? options.modes.filter((m) => variant.modes.includes(m)) : options.modes) {
        const compilerOptions = {
          target: 'ES2022',
          lib: variant.lib ?? ['ES2022'],
          module: variant.module,
          moduleResolution: variant.moduleResolution,
          strict: true,
          noEmit: true,
          skipLibCheck: variant.skipLibCheck,
          ...(mode === 'types' ? { types: fixture.types } : baseTypes(fixture, tsMajor)),
        };
        const files = [fixture.file, { setup: 'setup.ts', reference: 'trackref-env.d.ts', app: 'app.ts' }[mode]].filter(Boolean);
        const config = `tsconfig.${fixture.name}.${mode}.json`;
        writeFileSync(join(vdir, config), JSON.stringify({ compilerOptions, files }, null, 2));
        jobs.push({ name: `types ${fixture.name} ${variant.name} ${mode}`, vdir, config });
      }
    }
  }
  // guard/tsc.cjs: tsc --noEmit for each tsconfig of a variant in one process (two at a time), with everything
  // outside the cell hidden from the compiler; the program's file list double-checks that.
  const byVariant = new Map();
  for (const job of jobs) byVariant.set(job.vdir, [...(byVariant.get(job.vdir) ?? []), job]);
  await pool([...byVariant.values()], 2, async (group) => {
    const vdir = group[0].vdir;
    const r = await run(nodeExe, [tsc, ...group.map((job) => job.config)], {
      cwd: vdir,
      env,
      ...limitOf('tsc'),
      log: join(logs, `types-${basename(vdir)}.log`),
    });
    const results = new Map();
    for (const line of r.output.split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        const parsed = JSON.parse(line);
        results.set(parsed.config, parsed);
      } catch {
        // not a result line
      }
    }
    if (options.verbose) console.log(`  [${cell.name}] tsc ${basename(vdir)}: ${group.length} tsconfigs in ${r.seconds.toFixed(1)}s`);
    for (const job of group) {
      const result = results.get(job.config);
      if (!result) {
        note(job.name, false, `no result from tsc (${r.exit}):\n${tail(r.output, 30)}`);
        continue;
      }
      const outside = result.files.filter((f) => !isInside(realDir, realpathSync(f)));
      const detail = [result.ok ? '' : result.diagnostics.trim(), outside.length ? `files from outside the cell:\n${outside.join('\n')}` : ''].filter(Boolean).join('\n');
      note(job.name, result.ok && outside.length === 0 && result.files.length > 0, detail);
    }
  });
}

/** compilerOptions.types outside the 'types' mode: as a user of that TypeScript has it. */
function baseTypes(fixture, tsMajor) {
  const types = fixture.baseTypes ?? (tsMajor >= 6 ? fixture.listedTypes : undefined);
  return types === undefined ? {} : { types };
}

async function checkRuntime(cell, dir, nodeExe, env, logs, note, options) {
  const guard = join(dir, 'guard');
  const realDir = realpathSync(dir);
  const runs = RUNTIME_FORMS[cell.runner].flatMap((form) =>
    (form.pools ?? [undefined]).filter((pool) => !cell.skipPools?.includes(pool)).map((pool) => ({ ...form, pool, name: pool ? `${form.name} ${pool}` : form.name })),
  );
  // Two runs at a time, as the type checks.
  await pool(runs, 2, async (form) => {
    const rdir = join(dir, 'runtime', form.name.replaceAll(' ', '-'));
    rmSync(rdir, { recursive: true, force: true });
    cpSync(join(root, 'test', 'matrix', form.dir), rdir, { recursive: true });
    const out = join(rdir, 'result.json');
    const escapes = join(logs, `runtime-${basename(rdir)}-escapes.txt`);
    const formEnv = {
      ...env,
      NODE_OPTIONS: [`--require=${join(guard, 'preload.cjs')}`, form.nodeOptions].filter(Boolean).join(' '),
      TRACKREF_MATRIX_ESCAPES: escapes,
      ...(form.worker ? { TRACKREF_MATRIX_WORKER: form.worker } : {}),
      ...(form.guard ? { TRACKREF_REPORT: join(rdir, 'leaks.json') } : {}),
    };
    const runnerEntry = cell.runner === 'jest' ? join(dir, 'node_modules', 'jest', 'bin', 'jest.js') : join(dir, 'node_modules', 'vitest', 'vitest.mjs');
    const entry = form.bin ? join(dir, 'node_modules', 'trackref', 'bin', `${form.bin}.js`) : runnerEntry;
    const args =
      cell.runner === 'jest'
        ? [entry, '--config', join(rdir, form.config ?? 'jest.config.cjs'), `--resolver=${join(guard, 'jest-resolver.cjs')}`, `--cacheDirectory=${join(rdir, '.jest-cache')}`, '--ci', '--json', `--outputFile=${out}`, ...(form.args ?? []), form.test]
        : [entry, 'run', '--root', rdir, '--config', join(rdir, 'vitest.config.mjs'), '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...(form.guard ? ['--reporter=trackref/vitest/reporter'] : []), ...(form.pool ? [`--pool=${form.pool}`] : []), ...(form.files ?? [])];
    const r = await run(nodeExe, args, { cwd: rdir, env: formEnv, ...limitOf('runtime'), log: join(logs, `runtime-${basename(rdir)}.log`) });
    const verdict = form.guard ? judgeGuard(out, r, join(rdir, 'leaks.json'), cell.runner, form.alsoPassed) : judgeRuntime(out, r, form.alsoPassed);
    // Blocked resolutions are what a user's install would not find. From trackref or the fixture
    // they are a bug (a missing dependency); from the runner they are optional probes (a note).
    if (existsSync(escapes)) {
      const seen = new Set();
      const lines = readFileSync(escapes, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((e) => !seen.has(e.request + e.issuer) && seen.add(e.request + e.issuer));
      const ours = (e) => isInside(join(realDir, 'node_modules', 'trackref'), e.issuer) || isInside(join(realDir, 'runtime'), e.issuer);
      const describe = (list) => list.map((e) => `'${e.request}' from ${relative(realDir, e.issuer) || e.issuer} (found only at ${e.file})`).join('\n');
      const bad = lines.filter(ours);
      const other = lines.filter((e) => !ours(e));
      if (bad.length > 0) {
        verdict.ok = false;
        verdict.detail = [verdict.detail, `not installed for a user (resolved outside the cell):\n${describe(bad)}`].filter(Boolean).join('\n');
      }
      if (other.length > 0 && options.verbose) verdict.detail = [verdict.detail, `runner's optional lookups blocked:\n${describe(other)}`].filter(Boolean).join('\n');
    }
    note(`runtime ${form.name}`, verdict.ok, verdict.detail, r.seconds);
  });
}

/**
 * The runner's JSON result: `expect(title, status)` records a problem when that test did not end
 * so, and returns it. Undefined when there is no readable result (`problem` says why).
 */
function readResults(file, r) {
  if (!existsSync(file)) return { problem: `no JSON result: ${r.exit}${r.timedOut ? '' : ' (the runner crashed or failed to start)'}; the runner's output ends:\n${tail(r.output, 40)}` };
  let json;
  try {
    json = readJson(file);
  } catch (error) {
    return { problem: `unreadable JSON result: ${error.message}` };
  }
  const problems = [];
  const tests = new Map();
  for (const suite of json.testResults ?? []) {
    if (suite.status === 'failed' && (suite.assertionResults ?? []).length === 0) problems.push(`suite failed to run: ${stripAnsi(suite.message ?? '')}`);
    for (const t of suite.assertionResults ?? []) tests.set(t.title, t);
  }
  let missing = 0;
  const expect = (title, status) => {
    const t = tests.get(title);
    // The first missing test brings the runner's output (its reporter says why nothing ran).
    if (!t) problems.push(`test '${title}' did not run${missing++ === 0 ? ` (${r.exit}); the runner's output ends:\n${indent(tail(r.output, 40), '  ')}` : ''}`);
    else if (t.status !== status) problems.push(`test '${title}' ${t.status}, expected ${status}${t.failureMessages?.length ? `:\n${indent(stripAnsi(t.failureMessages.join('\n')), '  ')}` : ''}`);
    return t;
  };
  return { problems, expect };
}

/**
 * The guard fixture: `guard clean` and `guard allowed` passed, `guard leaky` failed with the guard's
 * report, each of `alsoPassed` passed, and the CI reporter's JSON lists the leak and the allowed test.
 */
function judgeGuard(file, r, reportFile, runner, alsoPassed = []) {
  const { problem, problems, expect } = readResults(file, r);
  if (problem) return { ok: false, detail: problem };
  expect('guard clean', 'passed');
  expect('guard allowed', 'passed');
  for (const title of alsoPassed) expect(title, 'passed');
  const leaky = expect('guard leaky', 'failed');
  if (leaky?.status === 'failed') {
    const message = stripAnsi((leaky.failureMessages ?? []).join('\n'));
    if (!/leak guard: "guard leaky" left objects alive after it passed/.test(message) || !/Page/.test(message)) problems.push(`the leaky test's failure is not the guard's report:\n${indent(message.slice(0, 3000), '  ')}`);
  }
  if (!existsSync(reportFile)) {
    problems.push(`the CI reporter wrote no ${basename(reportFile)} (TRACKREF_REPORT)\n${tail(r.output, 30)}`);
  } else {
    const report = readJson(reportFile);
    const leak = (report.leaks ?? []).find((l) => l.test === 'guard leaky');
    if (report.runner !== runner) problems.push(`the CI report's runner is ${JSON.stringify(report.runner)}, expected ${runner}`);
    if (!leak || leak.class !== 'Page' || leak.count !== 1 || leak.retainerPath !== 'pageCache[0]') problems.push(`the CI report does not list 'guard leaky' leaking 1 Page held by pageCache[0]: ${JSON.stringify(report.leaks)}`);
    if (!(report.skipped ?? []).some((s) => s.test === 'guard allowed' && /fills the cache/.test(s.reason))) problems.push(`the CI report does not list 'guard allowed' as skipped with its reason: ${JSON.stringify(report.skipped)}`);
    if ((report.leakingTests ?? []).length !== 1) problems.push(`the CI report lists ${JSON.stringify(report.leakingTests)} as leaking, expected only 'guard leaky'`);
  }
  return problems.length === 0 ? { ok: true, detail: '' } : { ok: false, detail: problems.join('\n') };
}

/**
 * `clean` and `positive` passed; `leaky` failed with trackref's report, not with some other error;
 * and each of `alsoPassed` passed.
 */
function judgeRuntime(file, r, alsoPassed = []) {
  const { problem, problems, expect } = readResults(file, r);
  if (problem) return { ok: false, detail: problem };
  expect('clean', 'passed');
  expect('positive', 'passed');
  for (const title of alsoPassed) expect(title, 'passed');
  const leaky = expect('leaky', 'failed');
  let detail = '';
  if (leaky?.status === 'failed') {
    const message = stripAnsi((leaky.failureMessages ?? []).join('\n'));
    const required = [
      ['the matcher hint', /\.not\s*\.toLeak\(\s*HtmlResponse\s*\)/],
      ['the verdict', /Expected no new live instances[^\n]*HtmlResponse[^\n]*grew/],
      ['the class row', /^\s*HtmlResponse\s+\S+\s+\S+\s+\+\d+/m],
    ];
    for (const [what, pattern] of required) if (!pattern.test(message)) problems.push(`the leaky test's failure lacks ${what} (${pattern}):\n${indent(message.slice(0, 3000), '  ')}`);
    const extras = [
      ['retainer path', /held by/],
      ['allocation site', /made at/],
      ['memory line', /Memory after collection/],
    ].filter(([, pattern]) => !pattern.test(message));
    if (extras.length > 0) detail = `report without: ${extras.map(([what]) => what).join(', ')}`;
  }
  return problems.length === 0 ? { ok: true, detail } : { ok: false, detail: problems.join('\n') };
}

// ---------------------------------------------------------------------------------------------
// Helpers

async function pool(items, size, worker) {
  const queue = [...items];
  await Promise.all(Array.from({ length: Math.min(size, queue.length) }, async () => {
    while (queue.length > 0) await worker(queue.shift());
  }));
}

function tail(text, lines = 20) {
  return stripAnsi(text).trimEnd().split('\n').slice(-lines).join('\n');
}

function indent(text, prefix) {
  return text.split('\n').map((line) => prefix + line).join('\n');
}

function table(rows) {
  const widths = rows[0].map((_, col) => Math.max(...rows.map((r) => String(r[col]).length)));
  return rows.map((r, i) => {
    const line = r.map((c, col) => (col === r.length - 1 ? String(c).padStart(widths[col]) : String(c).padEnd(widths[col]))).join('  ');
    return i === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
  }).join('\n');
}

// ---------------------------------------------------------------------------------------------
// Main

async function main() {
  const options = parseArgs(process.argv.slice(2));
  limitScale = options.limitScale;
  const cells = (options.cells ?? CELLS.map((c) => c.name)).map((name) => CELLS.find((c) => c.name === name));
  if (options.list) {
    for (const cell of CELLS) console.log(`${cell.name.padEnd(14)} node ${cell.node}  ${cell.installer === 'pnpm' ? `pnpm ${PNPM_VERSION} (hoist: false)` : 'npm'}  ${Object.entries(cell.deps).map(([n, v]) => `${n}@${v}`).join(' ')}${CI_CELLS.includes(cell.name) ? '  [ci]' : ''}`);
    return;
  }
  const started = Date.now();
  const tarball = await buildTarball(options);
  const results = [];
  await pool(cells, options.jobs, async (cell) => {
    console.log(`matrix: ${cell.name} …`);
    const result = await runCell(cell, tarball, options);
    const ok = result.checks.every((c) => c.ok);
    console.log(`matrix: ${cell.name} ${ok ? 'pass' : 'FAIL'} in ${result.seconds.toFixed(1)}s`);
    results.push(result);
  });
  results.sort((a, b) => cells.indexOf(a.cell) - cells.indexOf(b.cell));
  const rows = [['cell', 'node', 'runner', 'tsc', 'types', 'runtime', 'result', 'seconds']];
  for (const r of results) {
    const group = (prefix) => {
      const list = r.checks.filter((c) => c.name.startsWith(prefix));
      return list.length === 0 ? '—' : `${list.filter((c) => c.ok).length}/${list.length}`;
    };
    const ok = r.checks.length > 0 && r.checks.every((c) => c.ok);
    rows.push([r.cell.name, r.node, `${r.cell.runner} ${r.versions[r.cell.runner] ?? '?'}`, r.versions.typescript ?? '?', group('types '), group('runtime '), ok ? 'pass' : 'FAIL', r.seconds.toFixed(1)]);
  }
  console.log(`\n${table(rows)}\n\ntotal ${((Date.now() - started) / 1000).toFixed(1)}s; logs in .matrix/logs/`);
  const notes = results.flatMap((r) => r.checks.filter((c) => c.ok && c.detail).map((c) => `  ${r.cell.name} ${c.name}: ${c.detail}`));
  if (notes.length > 0) console.log(`notes:\n${notes.join('\n')}`);
  const failed = results.filter((r) => !(r.checks.length > 0 && r.checks.every((c) => c.ok)));
  if (failed.length > 0) {
    console.log(`\nfailed: ${failed.map((r) => r.cell.name).join(', ')}`);
    process.exitCode = 1;
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
