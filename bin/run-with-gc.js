'use strict';
// Runs a test runner's own command-line entry with --expose-gc in NODE_OPTIONS, so `gc` reaches the
// main process and every worker (forks inherit the environment; threads accept it from
// NODE_OPTIONS, unlike execArgv). Forwards arguments, signals and the exit code; changes nothing else.
const { spawn } = require('node:child_process');
const { readFileSync } = require('node:fs');
const { dirname, join } = require('node:path');

function runnerEntry(packageName, binName) {
  let manifestPath;
  try {
    manifestPath = require.resolve(`${packageName}/package.json`, { paths: [process.cwd()] });
  } catch {
    console.error(`${binName}-gc: cannot find ${packageName} from ${process.cwd()}. Install it (npm install -D ${packageName}) and run ${binName}-gc from your project.`);
    process.exit(1);
  }
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const bin = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin && manifest.bin[binName];
  if (!bin) {
    console.error(`${binName}-gc: ${packageName} has no "${binName}" command in its package.json.`);
    process.exit(1);
  }
  return join(dirname(manifestPath), bin);
}

function runWithGc(packageName, binName) {
  const entry = runnerEntry(packageName, binName);
  const nodeOptions = process.env.NODE_OPTIONS || '';
  const env = { ...process.env, NODE_OPTIONS: /(^|\s)--expose[-_]gc(\s|$)/.test(nodeOptions) ? nodeOptions : `${nodeOptions} --expose-gc`.trim() };
  const child = spawn(process.execPath, [entry, ...process.argv.slice(2)], { stdio: 'inherit', env });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('exit', (code, signal) => {
    if (signal) {
      process.kill(process.pid, signal);
    } else {
      process.exit(code === null ? 1 : code);
    }
  });
}

module.exports = { runWithGc };
