// Tools the checks fetch from the npm registry (the only network CI has): Node binaries of other
// majors (the `node-<os>-<arch>` package holds the binary) and pnpm. Each is installed once into
// .matrix/<name>/ (a cache, never committed) and reused while its package.json is unchanged.
// Used by scripts/matrix.mjs, corpus.mjs and soak.mjs; never touches the repo's own node_modules.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childEnv, run } from './run-command.mjs';

const cacheDir = join(dirname(fileURLToPath(import.meta.url)), '..', '.matrix');
const INSTALL_TIMEOUT_MS = 15 * 60_000;
const installs = new Map();

/** The bin directory of a Node with the given major: this process's, or one from the registry. */
export function nodeBinFor(major) {
  if (Number(process.versions.node.split('.')[0]) === major) return Promise.resolve(dirname(process.execPath));
  const os = process.platform === 'win32' ? 'win' : process.platform;
  const name = `node-${os}-${process.arch}`;
  return installTool(`node${major}`, name, `^${major}.0.0`, (dir) => join(dir, 'node_modules', name, 'bin'), 'node');
}

/** The Node binary of a major version (this process's, or one from the registry) and its version. */
export async function nodeOfMajor(major) {
  const node = join(await nodeBinFor(major), 'node');
  return { node, version: execFileSync(node, ['--version'], { encoding: 'utf8' }).trim() };
}

/** The pnpm CLI script of the given version (run it with any Node). */
export function pnpmScript(version) {
  return installTool('pnpm', 'pnpm', version, (dir) => join(dir, 'node_modules', 'pnpm', 'bin', 'pnpm.mjs'));
}

/**
 * Installs `name@range` into .matrix/<key>/ once (kept while its package.json is unchanged) and
 * resolves to `located(dir)`, which must exist afterwards (`file` inside it, when given).
 */
function installTool(key, name, range, located, file) {
  if (!installs.has(key)) installs.set(key, install(key, name, range, located, file));
  return installs.get(key);
}

async function install(key, name, range, located, file) {
  const dir = join(cacheDir, key);
  const found = located(dir);
  const check = file ? join(found, file) : found;
  const spec = JSON.stringify({ private: true, dependencies: { [name]: range } }, null, 2);
  const stamp = join(dir, '.installed');
  if (existsSync(check) && existsSync(stamp) && readFileSync(stamp, 'utf8') === spec) return found;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), spec);
  rmSync(stamp, { force: true });
  const { code, exit, output } = await run('npm', ['install', '--no-audit', '--no-fund'], {
    cwd: dir,
    env: childEnv(dirname(process.execPath)),
    timeoutMs: INSTALL_TIMEOUT_MS,
    limit: 'INSTALL_TIMEOUT_MS in scripts/registry-tools.mjs, for one install from the npm registry; raise it there',
    log: join(cacheDir, 'logs', `${key}-install.log`),
  });
  if (code !== 0 || !existsSync(check)) throw new Error(`could not install ${name}@${range} from the npm registry (${exit}):\n${output.slice(-6000)}`);
  writeFileSync(stamp, spec);
  return found;
}
