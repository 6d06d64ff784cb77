// A user's own debugger attached with `node --inspect` keeps working while trackref's constructor
// hooks share a debugger session in the same process: a breakpoint the remote debugger set in the
// checked function pauses it on every call (warm-up, measured call) and resumes, and the checks'
// verdicts stay right (a clean check decided by births, a leak caught). Real processes: a target run
// with --inspect on 127.0.0.1 (port chosen by the OS; it exits by itself) and a client speaking the
// DevTools protocol over WebSocket (Node 20 needs --experimental-websocket for it).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { expect, test } from 'vitest';

const TARGET = `
const { checkLeaks } = require(${JSON.stringify(require.resolve('trackref'))});
class Job { constructor(n) { this.n = n; } }
function userFunction(x) {
  return x + 1;
}
const kept = [];
(async () => {
  while (!globalThis.clientReady) await new Promise((resolve) => setTimeout(resolve, 20));
  const clean = await checkLeaks(() => { userFunction(1); new Job(1); }, Job);
  const leaky = await checkLeaks(() => { kept.push(new Job(2)); }, Job, { paths: false });
  console.log(JSON.stringify({ clean: [clean.leaked, clean.counting], leaky: leaky.leaked }));
  process.exit(0);
})();
`;

const CLIENT = `
import { spawn } from 'node:child_process';
const child = spawn(process.execPath, ['--inspect=127.0.0.1:0', process.argv[2]], { stdio: ['ignore', 'pipe', 'pipe'] });
let out = '';
child.stdout.on('data', (d) => (out += d));
const url = await new Promise((resolve) => {
  let err = '';
  child.stderr.on('data', (d) => {
    err += d;
    const m = /ws:\\/\\/\\S+/.exec(err);
    if (m) resolve(m[0]);
  });
});
const ws = new WebSocket(url);
let id = 0;
const pending = new Map();
const pauses = [];
const send = (method, params = {}) => new Promise((resolve) => {
  pending.set(++id, resolve);
  ws.send(JSON.stringify({ id, method, params }));
});
ws.onmessage = async (event) => {
  const m = JSON.parse(event.data);
  if (m.id && pending.has(m.id)) { pending.get(m.id)(m); pending.delete(m.id); return; }
  if (m.method === 'Runtime.executionContextDestroyed') ws.close();
  if (m.method === 'Debugger.paused') {
    pauses.push(m.params.callFrames[0].functionName);
    await send('Debugger.resume');
  }
};
await new Promise((resolve) => (ws.onopen = resolve));
await send('Runtime.enable');
await send('Debugger.enable');
await send('Debugger.setBreakpointByUrl', { urlRegex: 'target\\\\.cjs$', lineNumber: 4 });
await send('Runtime.evaluate', { expression: 'globalThis.clientReady = true' });
const code = await new Promise((resolve) => child.on('exit', resolve));
console.log(JSON.stringify({ code, target: JSON.parse(out.trim() || 'null'), pauses }));
`;

test('a debugger attached with node --inspect pauses and resumes at its breakpoint during checks, and the verdicts stay right', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'trackref-inspect-'));
  try {
    writeFileSync(path.join(dir, 'target.cjs'), TARGET);
    writeFileSync(path.join(dir, 'client.mjs'), CLIENT);
    const run = spawnSync(process.execPath, ['--experimental-websocket', path.join(dir, 'client.mjs'), path.join(dir, 'target.cjs')], { encoding: 'utf8', timeout: 90_000 });
    expect(run.error?.message, `the client did not finish within 90 s (a limit was hit): ${run.stderr}`).toBeUndefined();
    const result = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? 'null') as { code: number; target: unknown; pauses: string[] } | null;
    expect(result, run.stderr).not.toBeNull();
    expect(result!.code).toBe(0);
    expect(result!.target).toEqual({ clean: [false, 'births'], leaky: true });
    // The clean check's warm-up and measured call each paused at the user's breakpoint.
    expect(result!.pauses).toEqual(['userFunction', 'userFunction']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
