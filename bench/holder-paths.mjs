// What looking for a path through a holder of the user's code costs (retainers.ts, holder-paths.ts),
// on one snapshot of a large heap, side by side with the retainer path code of another build:
//   node --expose-gc bench/holder-paths.mjs [--heap-mb=90] [--reps=5] [--old=/path/to/old/dist/cjs/src]
// --heap-mb sets the filler (bench/check-fixture.mjs: 90 gives a snapshot of about 200 MB). Objects:
//   both      held by an open socket's listener and, 9 steps away, by a module variable (the search finds `deep.a.b … .g[0]`)
//   socket    held by an open socket's listener only (the search runs to its bounds and finds nothing)
//   fan-in    like socket, plus 50,000 objects and 2,000 closures of a factory holding it, all held by
//             another socket's listener (the search's
//             worst case here: it stops at its bounds; the closures' variables are rendered and refused)
//   module    held by a module variable only (the shortest path starts there: no search)
// For each, the median ms of retainerPath() of this build and of --old's, alternating, after one
// warm-up call (parentEdges and the retainer index are built once per snapshot; their first-call cost
// is printed apart). Prints the paths too, so a wrong one shows.
import { createRequire } from 'node:module';
import * as net from 'node:net';
import { buildHeap } from './check-fixture.mjs';
import { argValue, fullGc, median, now } from './lib.mjs';

const require = createRequire(import.meta.url);
const newDir = require.resolve('trackref').replace(/index\.js$/, '');
const oldDir = argValue('old', undefined);
const load = (dir, name) => require(`${dir.replace(/\/?$/, '/')}${name}.js`);
const { takeSnapshot } = load(newDir, 'snapshot/take');
const current = load(newDir, 'retainers').retainerPath;
const previous = oldDir === undefined ? undefined : load(oldDir, 'retainers').retainerPath;
const REPS = Number(argValue('reps', 5));

class BothHeld {}
class SocketHeld {}
class FanInHeld {}
class ModuleHeld {}

const records = buildHeap(Number(argValue('heap-mb', 90)));
const kept = [];
// A module variable far from the object: the socket's path is the shorter one.
const deep = { a: { b: { c: { d: { e: { f: { g: [] } } } } } } };
const server = net.createServer(() => undefined);
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();
async function heldBySocket(obj) {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.on('drain', () => obj);
}
// Made in functions, so that no variable of a running function (a stack root) holds them.
async function setUp() {
  const both = new BothHeld();
  await heldBySocket(both);
  deep.a.b.c.d.e.f.g.push(both);
  await heldBySocket(new SocketHeld());
  const wide = new FanInHeld();
  const fanIn = [];
  await heldBySocket(wide);
  await heldBySocket(fanIn);
  const closure = (value) => () => value;
  for (let i = 0; i < 50_000; i++) fanIn.push({ i, wide });
  for (let i = 0; i < 2_000; i++) fanIn.push(closure(wide));
  kept.push(new ModuleHeld());
}
await setUp();
await new Promise((resolve) => setImmediate(resolve));
fullGc(2);

let t = now();
const graph = takeSnapshot();
const snapshotMs = now() - t;
const nodeOf = (name) => {
  for (let n = 0; n < graph.nodeCount; n++) if (graph.nodeName(n) === name && graph.nodeType(n) === 'object') return n;
  return -1;
};
t = now();
graph.parentEdges();
const parentsMs = now() - t;
t = now();
graph.forEachRetainer(0, () => undefined);
const retainersMs = now() - t;
const rss = process.memoryUsage().rss;
console.log(`heap used ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB, ${graph.nodeCount.toLocaleString('en-US')} nodes; snapshot ${(snapshotMs / 1000).toFixed(2)} s, parentEdges ${parentsMs.toFixed(0)} ms, retainer index ${retainersMs.toFixed(0)} ms (once per snapshot), RSS ${(rss / 1e6).toFixed(0)} MB`);
for (const name of ['BothHeld', 'SocketHeld', 'FanInHeld', 'ModuleHeld']) {
  const node = nodeOf(name);
  const times = { new: [], old: [] };
  let paths = {};
  for (let rep = 0; rep <= REPS; rep++) {
    for (const [which, fn] of [['new', current], ['old', previous]]) {
      if (fn === undefined) continue;
      t = now();
      const path = fn(graph, node);
      const ms = now() - t;
      if (rep > 0) times[which].push(ms);
      paths[which] = path === undefined ? '(none)' : `${path.text}${path.alsoHeldBy === undefined ? '' : `   [also held by ${path.alsoHeldBy}]`}`;
    }
  }
  const cell = (which) => (times[which].length === 0 ? '—' : `${median(times[which]).toFixed(2)} ms (${Math.min(...times[which]).toFixed(2)}–${Math.max(...times[which]).toFixed(2)})`);
  console.log(`${name.padEnd(11)} new ${cell('new')}, old ${cell('old')}\n  new: ${paths.new}\n  old: ${paths.old ?? '—'}`);
}
server.close();
void records;
process.exit(0);
