// Where a passing check's time goes, phase by phase, on the same heaps as bench/check.mjs:
//   node --expose-gc bench/phases.mjs [--case=untracked|tracked] [--heap-mb=50] [--jest-like] [--reps=7]
// Replays the steps of a passing births check with trackref's internals (dist/cjs): hook set-up
// from cold (session, Debugger.enable, planning, breakpoints) and warm (the shared session still
// enabled from the check before), the measured call with the hook armed, the timer turn, the
// scavenge, the count, the teardown; prints each phase's median in ms and as a ratio to one gc() of
// the same heap, next to the whole checkLeaks() call (warm, i.e. right after another check).
import { createRequire } from 'node:module';
import { checkLeaks } from 'trackref';
import { Job, buildHeap, loadScripts, plainJobClass } from './check-fixture.mjs';
import { setTimeout as sleep } from 'node:timers/promises';
import { args, argValue, fullGc, now, median } from './lib.mjs';

const require = createRequire(import.meta.url);
const dist = (name) => require(require.resolve('trackref').replace(/index\.js$/, `${name}.js`));
const { watchBirths, closeIdleDebugger } = dist('constructor-hook');
const { openBirthSets } = dist('births');

const JEST_LIKE = args.includes('--jest-like');
const REPS = Number(argValue('reps', 7));
const CASE = argValue('case', 'untracked');
const Target = CASE === 'tracked' ? Job : plainJobClass(JEST_LIKE);
const kept = JEST_LIKE ? loadScripts() : [];
let sinkValue = 0;
function clean() {
  let s = 0;
  for (let i = 0; i < 1000; i++) s += new Target(i).id;
  sinkValue += s;
}
const records = buildHeap(Number(argValue('heap-mb', 50)));
fullGc(2);

const phases = {};
const add = (name, ms) => (phases[name] ??= []).push(ms);

async function replay() {
  let t = now();
  clean(); // warm-up
  add('warm-up call', now() - t);
  const sets = openBirthSets((cls) => (cls === Target ? [Target] : []));
  const hook = (phase) => {
    t = now();
    const watch = CASE === 'tracked' ? undefined : watchBirths([Target], { limit: 10_000, captureSites: false, counts: sets }).watch;
    add(phase, now() - t);
    return watch;
  };
  if (CASE !== 'tracked') {
    closeIdleDebugger();
    hook('hook set-up, cold').close();
  }
  const watch = hook('hook set-up, warm');
  t = now();
  clean();
  add('measured call', now() - t);
  t = now();
  await sleep(1);
  add('timer turn', now() - t);
  t = now();
  globalThis.gc({ type: 'minor' });
  add('scavenge', now() - t);
  t = now();
  const alive = sets.live(Target);
  add('count', now() - t);
  if (alive > 0) throw new Error(`${alive} births alive after a scavenge`);
  t = now();
  watch?.close();
  sets.close();
  add('teardown', now() - t);
}

await replay();
await checkLeaks(clean, Target);
const gcMs = [];
const checkMs = [];
for (let r = 0; r < REPS; r++) {
  fullGc(1);
  let t = now();
  fullGc(1);
  gcMs.push(now() - t);
  t = now();
  const report = await checkLeaks(clean, Target);
  checkMs.push(now() - t);
  if (report.leaked || report.counting !== 'births') throw new Error(`unexpected: ${report.counting} ${report.leaked}`);
  t = now();
  await replay();
  add('(replay total)', now() - t);
}
const g = median(gcMs);
console.log(`${CASE}${JEST_LIKE ? ' jest-like' : ''}, heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MB, ${REPS} reps; one gc() ${g.toFixed(1)} ms; checkLeaks ${median(checkMs).toFixed(1)} ms = ${(median(checkMs) / g).toFixed(2)}x`);
for (const [name, list] of Object.entries(phases)) console.log(`  ${name.padEnd(16)} ${median(list).toFixed(2).padStart(8)} ms  ${(median(list) / g).toFixed(2)}x`);
sinkValue += records.length + kept.length;
