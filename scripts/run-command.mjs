// Child processes for the checks that install and run things (scripts/matrix.mjs,
// scripts/registry-tools.mjs): a clean environment, and a command run with a time limit whose
// output is kept and logged. Never rejects and never inherits stdin.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, dirname } from 'node:path';

/**
 * Environment for child processes: the chosen Node first in PATH, no colours, CI, no NODE_OPTIONS
 * from outside, and none of the variables an outer `npm run` sets about its own package (npm_config_*
 * stay: they are the user's npm configuration, e.g. a registry or cache).
 */
export function childEnv(nodeBin, extra = {}) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_(package_|lifecycle_|command$|execpath$|node_execpath$)/i.test(key)) env[key] = value;
  }
  env.PATH = `${nodeBin}${delimiter}${process.env.PATH ?? ''}`;
  env.CI = 'true';
  env.FORCE_COLOR = '0';
  env.NO_COLOR = '1';
  delete env.NODE_OPTIONS;
  return { ...env, ...extra };
}

/**
 * Runs a command with no stdin; resolves { code, signal, exit, output, seconds, timedOut } and never
 * rejects. `code` is -1 when the process was killed; `signal` then names the signal, and `exit`
 * says how it ended in words for messages ("exit 1", "killed by SIGSEGV", or, when it reached
 * `timeoutMs`, "TIME LIMIT HIT: stopped after 600 s, at its limit of 600 s (<limit>)").
 * `limit` names the limit and how to raise it, e.g. "the matrix's runtime limit; raise it with
 * --limit-scale 2"; it ends the output too, so a log or an output tail says why the run stopped.
 */
export function run(command, args, { cwd, env, timeoutMs, log, limit = 'the time limit of this step' }) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: process.platform !== 'win32' });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    const done = (code, signal, error) => {
      clearTimeout(timer);
      const seconds = (Date.now() - started) / 1000;
      if (error) output += `\n${error.stack ?? error}`;
      const exit = timedOut
        ? `TIME LIMIT HIT: stopped after ${seconds.toFixed(0)} s, at its limit of ${timeoutMs / 1000} s (${limit})`
        : signal
          ? `killed by ${signal}`
          : `exit ${code}`;
      if (timedOut) output += `\n[${exit}]`;
      if (log) {
        mkdirSync(dirname(log), { recursive: true });
        writeFileSync(log, `$ ${[command, ...args].join(' ')}\n(cwd ${cwd}, ${seconds.toFixed(1)}s, ${exit})\n\n${output}`);
      }
      resolve({ code: timedOut ? -1 : code, signal, exit, output, seconds, timedOut });
    };
    child.on('error', (error) => done(-1, null, error));
    child.on('close', (code, signal) => done(code ?? -1, signal));
  });
}
