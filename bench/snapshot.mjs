// Benchmark: what a failing check's heap snapshot costs, on heaps built like the seed's leak
// (`cache → Request.meta.referer → HtmlResponse`) at ~20 MB, ~200 MB and ~1 GB of snapshot.
//
//   node bench/snapshot.mjs [--quick] [--thorough] [--sizes=20,200,1000] [--no-memlab] [--json]
//
// Needs dist/ (`node scripts/build.mjs`). Prints Markdown to stdout (progress goes to stderr):
//   - per size: the snapshot's size, `v8.writeHeapSnapshot()` of the heap, `await checkLeaks(leakyFn,
//     HtmlResponse)` from start to finished report in the same process, memlab 2.0.5 loading the
//     written snapshot and finding one HtmlResponse's retainer path, and peak memory, against the
//     targets: check ≤ 1.5× writeHeapSnapshot, ≥ 4× faster than memlab, extra peak ≤ snapshot size;
//   - where the check's time and memory go (phases timed inside trackref's CommonJS build);
//   - one line per size saying how it was measured.
// --quick runs only the ~20 MB size (~30 s); a full run takes ~6–8 min on 2 cores. --thorough adds a
// write-first process at ~1 GB too (+2.5 min). --json also prints `BENCH_RESULT {json}` (all samples) last.
//
// Each size's heap lives in its own node process (bench/snapshot/heap.cjs); sizes run one after
// another. memlab runs in a process of its own (bench/snapshot/memlab.cjs) on the snapshot file the
// heap process wrote; memlab is installed on demand into .bench-tmp/memlab/ (ignored by git) and its
// columns are left out, with a note, when that install fails. A wrong result — a report without the
// `cache[N].meta.referer` path, or a memlab path not ending in cache → N → meta → referer — stops
// the benchmark with a non-zero exit code.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const wantJson = args.includes('--json');
const noMemlab = args.includes('--no-memlab');
const thorough = args.includes('--thorough');
const sizesArg = args.find((a) => a.startsWith('--sizes='))?.slice('--sizes='.length);

const MEMLAB_VERSION = '2.0.5';
const MEMLAB_DIR = join(root, '.bench-tmp', 'memlab');
const MB = 1e6;

/**
 * Sizes and how often each is measured. Every heap process measures `repeats` check+write pairs;
 * a "write-first" process measures writeHeapSnapshot's memory in a fresh process (a check-first
 * process measures the check's). The ~1 GB size takes ~2.5 min per process and is run once.
 */
const SIZES = [
  { mb: 20, label: '~20 MB', processes: ['check-first', 'write-first'], repeats: 3, memlabRuns: 3 },
  { mb: 200, label: '~200 MB', processes: ['check-first', 'write-first'], repeats: 2, memlabRuns: 2 },
  { mb: 1000, label: '~1 GB', processes: ['check-first'], repeats: 1, memlabRuns: 1 },
];

const TARGETS = { writeRatio: 1.5, memlabSpeedUp: 4, extraPerSnapshot: 1 };

const log = (text) => process.stderr.write(`${text}\n`);

// ---------------------------------------------------------------------------------------------
// Child processes.

/** Runs `node …args`, forwarding its stderr; resolves with its exit code and BENCH_RESULT (if any). */
function runNode(nodeArgs) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, nodeArgs, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text) => {
      stderr += text;
      process.stderr.write(text);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const line = stdout.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
      resolve({ code, signal, stderr, result: line === undefined ? undefined : JSON.parse(line.slice('BENCH_RESULT '.length)) });
    });
  });
}

/** Installs memlab into .bench-tmp/memlab/ unless it is there; returns an error message or undefined. */
function ensureMemlab() {
  const installed = join(MEMLAB_DIR, 'node_modules', '@memlab', 'core', 'package.json');
  const ready = () => existsSync(installed) && JSON.parse(readFileSync(installed, 'utf8')).version === MEMLAB_VERSION && existsSync(join(MEMLAB_DIR, 'node_modules', '@memlab', 'heap-analysis'));
  if (ready()) return undefined;
  log(`installing memlab@${MEMLAB_VERSION} into ${MEMLAB_DIR} …`);
  mkdirSync(MEMLAB_DIR, { recursive: true });
  writeFileSync(join(MEMLAB_DIR, 'package.json'), `${JSON.stringify({ name: 'trackref-bench-memlab', private: true }, null, 2)}\n`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const install = spawnSync(npm, ['install', '--ignore-scripts', '--no-audit', '--no-fund', `memlab@${MEMLAB_VERSION}`], {
    cwd: MEMLAB_DIR,
    env: { ...process.env, PUPPETEER_SKIP_DOWNLOAD: '1' },
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (install.error !== undefined || install.status !== 0 || !ready()) {
    const why = install.error?.message ?? (install.stderr || install.stdout || '').trim().split('\n').slice(-3).join(' ');
    return `npm install memlab@${MEMLAB_VERSION} failed (${why || `exit code ${install.status}`})`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Statistics and formatting.

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** "1.38 (1.28–1.82, n=6)" or "1.38" for one sample. */
function spread(values, digits = 2) {
  const f = (v) => v.toFixed(digits);
  if (values.length === 1) return f(values[0]);
  return `${f(median(values))} (${f(Math.min(...values))}–${f(Math.max(...values))}, n=${values.length})`;
}

const seconds = (ms) => ms / 1000;
const mb = (bytes) => bytes / MB;
const x = (value, digits = 1) => `${value.toFixed(digits)}×`;

// ---------------------------------------------------------------------------------------------
// Measuring one size.

async function measureSize(size, memlabError) {
  const processes = [];
  let keptSnapshot;
  for (const [i, order] of size.processes.entries()) {
    const file = join(os.tmpdir(), `trackref-bench-${process.pid}-${size.mb}-${i}.heapsnapshot`);
    log(`\n== ${size.label}: heap process ${i + 1}/${size.processes.length} (${order}, ${size.repeats} repeat(s))`);
    const flags = ['--expose-gc', '--max-old-space-size=16384'];
    const run = await runNode([
      ...flags,
      join(here, 'snapshot', 'heap.cjs'),
      `--target-mb=${size.mb}`,
      `--repeats=${size.repeats}`,
      `--snapshot=${file}`,
      ...(order === 'write-first' ? ['--write-first'] : []),
    ]);
    if (run.code !== 0 || run.result === undefined) {
      rmSync(file, { force: true });
      throw new Error(`the ${size.label} heap process failed (exit ${run.code ?? run.signal}); see its output above`);
    }
    processes.push({ order, ...run.result });
    if (keptSnapshot !== undefined) rmSync(keptSnapshot, { force: true });
    keptSnapshot = file;
  }

  const memlab = [];
  let memlabNote = memlabError;
  try {
    for (let i = 1; memlabNote === undefined && i <= size.memlabRuns; i++) {
      log(`== ${size.label}: memlab run ${i}/${size.memlabRuns}`);
      const run = await runNode(['--max-old-space-size=16384', join(here, 'snapshot', 'memlab.cjs'), MEMLAB_DIR, keptSnapshot]);
      if (run.code === 3) throw new Error(`memlab found a wrong retainer path in the ${size.label} snapshot (see above)`);
      if (run.code !== 0 || run.result === undefined) {
        const last = run.stderr.trim().split('\n').slice(-1)[0] ?? '';
        memlabNote = `memlab failed on the ${size.label} snapshot (exit ${run.code ?? run.signal}: ${last.slice(0, 200)})`;
        break;
      }
      memlab.push(run.result);
      log(`   memlab: ${seconds(run.result.ms).toFixed(2)} s, peak RSS ${mb(run.result.peakRss).toFixed(0)} MB, path ${run.result.path}`);
    }
  } finally {
    if (keptSnapshot !== undefined) rmSync(keptSnapshot, { force: true });
  }
  return { size, processes, memlab, memlabNote };
}

// ---------------------------------------------------------------------------------------------
// Summaries.

const PHASES = [
  ['gc', 'collectGarbage'],
  ['census', 'heap counts (Runtime.queryObjects)'],
  ['inspector', 'V8 snapshot, written to a temporary file and read back (excl. parsing)'],
  ['parse', 'parse blocks → typed arrays'],
  ['paths', 'BFS + path text + node lookup'],
  ['retained', 'retained size (search from the oldest)'],
  ['liveObjects', 'path objects (ids of known objects, or getObjectByHeapObjectId walks)'],
  ['other', 'other (runs, previews, sessions, back-off)'],
];

function phaseSplit(run) {
  const p = run.phases ?? {};
  const get = (k) => p[k] ?? 0;
  const split = {
    gc: get('gc'),
    census: get('census'),
    inspector: get('snapshot') - get('parse'),
    parse: get('parse'),
    // retainerPath() runs the BFS (parentEdges) on first use, so pathText includes bfs.
    paths: get('pathText') + get('findNodes'),
    retained: get('retained'),
    liveObjects: get('liveObjects') + get('heapIds'),
  };
  split.other = run.check.ms - Object.values(split).reduce((a, b) => a + b, 0);
  return split;
}

function summarize(measured) {
  const { size, processes, memlab } = measured;
  const runs = processes.flatMap((p) => p.runs.map((run, i) => ({ ...run, order: p.order, repeat: i + 1 })));
  const checkMs = runs.map((r) => r.check.ms);
  const writeMs = runs.map((r) => r.write.ms);
  const snapshotBytes = runs.map((r) => r.write.snapshotBytes);
  const fresh = runs.filter((r) => r.order === 'check-first' && r.repeat === 1);
  const freshWrite = runs.filter((r) => r.order === 'write-first' && r.repeat === 1);
  const later = runs.filter((r) => !(r.order === 'check-first' && r.repeat === 1));
  const snapshot = median(snapshotBytes);
  const extraFresh = fresh.map((r) => r.check.extraPeak);
  const ratio = median(checkMs) / median(writeMs);
  const memlabMs = memlab.map((m) => m.ms);
  const speedUp = memlab.length > 0 ? median(memlabMs) / median(checkMs) : undefined;
  const extraRatio = median(extraFresh) / snapshot;
  const splits = runs.map(phaseSplit);
  const phase = Object.fromEntries(PHASES.map(([key]) => [key, median(splits.map((s) => s[key]))]));
  const analysisMs = phase.parse + phase.paths + phase.retained;
  return {
    size,
    runs,
    snapshot,
    checkMs,
    writeMs,
    ratio,
    memlabMs,
    speedUp,
    extraFresh,
    extraLater: later.map((r) => r.check.extraPeak),
    extraRatio,
    writeExtraFresh: freshWrite.map((r) => r.write.extraPeak),
    memlabPeak: memlab.map((m) => m.peakRss),
    phase,
    analysisMs,
    streamingRss: median(fresh.map((r) => r.memory?.streaming?.rss - r.check.rssBefore)),
    arrayBuffers: median(fresh.map((r) => Math.max(r.memory?.['after retained']?.arrayBuffers ?? 0, r.memory?.streaming?.arrayBuffers ?? 0))),
    heapTotal: median(fresh.map((r) => r.memory?.streaming?.heapTotal ?? 0)),
  };
}

function verdicts(s, memlabMissing) {
  const parts = [];
  parts.push(`≤${TARGETS.writeRatio}× write: ${s.ratio <= TARGETS.writeRatio ? 'yes' : 'no'}`);
  if (!memlabMissing && s.speedUp !== undefined) parts.push(`≥${TARGETS.memlabSpeedUp}× memlab: ${s.speedUp >= TARGETS.memlabSpeedUp ? 'yes' : 'no'}`);
  parts.push(`extra ≤ snapshot: ${s.extraRatio <= TARGETS.extraPerSnapshot ? 'yes' : 'no'}`);
  return parts.join('; ');
}

function render(results, context) {
  const lines = [];
  const out = (text = '') => lines.push(text);
  out(`### Heap snapshot of a leaking check (trackref ${context.version}, Node ${context.node}, ${context.cpus} × ${context.cpu}, ${context.memGb} GB RAM)`);
  out();
  out('MB = 10⁶ bytes. Times: median (min–max, n) in seconds. "Extra peak" = peak RSS during the step − RSS just before it.');
  out();
  out('| size | snapshot MB | writeHeapSnapshot s | trackref check→report s | ratio | memlab s | speed-up | trackref extra peak MB | memlab peak MB | targets met? |');
  out('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const s = r.summary;
    const memlabCells =
      r.memlab.length > 0
        ? [spread(s.memlabMs.map(seconds)), x(s.speedUp, 2)]
        : ['—', '—'];
    const memlabPeak =
      r.memlab.length > 0
        ? `${median(s.memlabPeak.map(mb)).toFixed(0)} (${x(median(s.memlabPeak) / s.snapshot)}); ${median(r.memlab.map((m) => mb(m.extraPeak))).toFixed(0)} beyond its start`
        : '—';
    out(
      `| ${r.size.label} | ${mb(s.snapshot).toFixed(0)} | ${spread(s.writeMs.map(seconds))} | ${spread(s.checkMs.map(seconds))} | ${x(s.ratio, 2)} | ${memlabCells[0]} | ${memlabCells[1]} | ` +
        `${mb(median(s.extraFresh)).toFixed(0)} (${x(s.extraRatio)})${s.extraLater.length > 0 ? `; later checks ${mb(Math.min(...s.extraLater)).toFixed(0)}–${mb(Math.max(...s.extraLater)).toFixed(0)}` : ''} | ` +
        `${memlabPeak} | ${verdicts(s, r.memlab.length === 0)} |`,
    );
  }
  out();
  out('Targets: check→report ≤ 1.5× writeHeapSnapshot of the same heap; ≥ 4× faster than memlab (speed-up = memlab s ÷ trackref s); trackref extra peak ≤ the snapshot size (memlab: its whole peak RSS ÷ snapshot size, for the "~4.4×" comparison).');
  out();
  out('How each row was measured:');
  out();
  for (const r of results) {
    const s = r.summary;
    const first = r.processes[0];
    const orders = r.processes.map((p) => `${p.order} × ${p.runs.length}`).join(', ');
    out(
      `- **${r.size.label}**: ${first.records.toLocaleString('en-US')} filler records + 1,000 cached Request → HtmlResponse (heap used ${mb(first.runs[0].heapUsed).toFixed(0)} MB); ` +
        `${r.processes.length} node process(es) (${orders} check+write pairs), each timing \`await checkLeaks(leakyFn, HtmlResponse)\` and \`v8.writeHeapSnapshot(/tmp/…)\` with performance.now() in the same process; ` +
        `every report checked to name \`cache[N].meta.referer\` (e.g. \`${s.runs[0].retainerPath}\`). ` +
        `Extra peak = VmHWM (reset via /proc/self/clear_refs just before) − VmRSS before, from the first check of a fresh check-first process` +
        `${s.writeExtraFresh.length > 0 ? `; writeHeapSnapshot's own extra peak in a fresh write-first process: ${mb(median(s.writeExtraFresh)).toFixed(0)} MB (${x(median(s.writeExtraFresh) / s.snapshot)})` : ''}. ` +
        (r.memlab.length > 0
          ? `memlab: ${r.memlab.length} run(s), each a fresh \`node --max-old-space-size=16384\` process timing \`getFullHeapFromFile(file)\` + newest HtmlResponse + \`TraceFinder.getPathToGCRoots\` + \`summarizePath\` (path checked: \`…${r.memlab[0].path.split(' → ').slice(-4).join(' → ')}\`); peak = that process's maxRSS.`
          : `memlab: not run (${r.memlabNote ?? 'skipped'}).`),
    );
  }
  out();
  out('Where the check\'s time goes (median seconds; phases timed by wrapping functions of trackref\'s CommonJS build):');
  out();
  out(`| size | ${PHASES.map(([, name]) => name).join(' | ')} | trackref analysis (parse + paths + retained size) | memlab ÷ analysis |`);
  out(`|---|${PHASES.map(() => '---').join('|')}|---|---|`);
  for (const r of results) {
    const s = r.summary;
    out(
      `| ${r.size.label} | ${PHASES.map(([key]) => seconds(s.phase[key]).toFixed(2)).join(' | ')} | ${seconds(s.analysisMs).toFixed(2)} | ${r.memlab.length > 0 ? x(median(s.memlabMs) / s.analysisMs) : '—'} |`,
    );
  }
  out();
  out('Where the check\'s extra memory goes (first check of a fresh process, MB):');
  out();
  out('| size | snapshot | check extra peak | RSS growth at the streaming peak | trackref typed arrays (max) | V8 heap total at the streaming peak | writeHeapSnapshot extra peak (fresh process) |');
  out('|---|---|---|---|---|---|---|');
  for (const r of results) {
    const s = r.summary;
    out(
      `| ${r.size.label} | ${mb(s.snapshot).toFixed(0)} | ${mb(median(s.extraFresh)).toFixed(0)} | ${mb(s.streamingRss).toFixed(0)} | ${mb(s.arrayBuffers).toFixed(0)} | ${mb(s.heapTotal).toFixed(0)} | ${s.writeExtraFresh.length > 0 ? mb(median(s.writeExtraFresh)).toFixed(0) : 'not measured'} |`,
    );
  }
  for (const note of context.notes) {
    out();
    out(`Note: ${note}`);
  }
  out();
  out(`Load average before/after: ${context.loadBefore} / ${context.loadAfter} (other processes share the ${context.cpus} cores; the spread shows their effect). Wall time of the benchmark: ${context.wallS.toFixed(0)} s.`);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const started = Date.now();
  if (!existsSync(join(root, 'dist', 'cjs', 'src', 'index.js'))) {
    throw new Error('dist/ is missing: run `node scripts/build.mjs` first');
  }
  let sizes = quick ? SIZES.filter((s) => s.mb === 20) : SIZES;
  if (thorough) sizes = sizes.map((s) => ({ ...s, processes: ['check-first', 'write-first'] }));
  if (sizesArg !== undefined) {
    const wanted = sizesArg.split(',').map(Number);
    sizes = wanted.map((mbWanted) => SIZES.find((s) => s.mb === mbWanted) ?? { mb: mbWanted, label: `~${mbWanted} MB`, processes: ['check-first'], repeats: 1, memlabRuns: 1 });
  }
  const notes = [];
  let memlabError = noMemlab ? 'skipped with --no-memlab' : ensureMemlab();
  if (memlabError !== undefined) notes.push(`memlab columns left out: ${memlabError}.`);
  const loadBefore = os.loadavg().map((l) => l.toFixed(2)).join(' ');

  const results = [];
  for (const size of sizes) {
    const measured = await measureSize(size, memlabError);
    if (measured.memlabNote !== undefined && measured.memlabNote !== memlabError) notes.push(measured.memlabNote);
    results.push({ ...measured, summary: summarize(measured) });
  }

  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const cpu = os.cpus()[0]?.model?.trim() ?? 'cpu';
  const markdown = render(results, {
    version: pkg.version,
    node: process.version,
    cpus: os.cpus().length,
    cpu,
    memGb: Math.round(os.totalmem() / 2 ** 30),
    notes,
    loadBefore,
    loadAfter: os.loadavg().map((l) => l.toFixed(2)).join(' '),
    wallS: (Date.now() - started) / 1000,
  });
  process.stdout.write(`${markdown}\n`);
  if (wantJson) {
    const raw = results.map(({ size, processes, memlab, memlabNote, summary }) => ({ size, processes, memlab, memlabNote, summary: { ...summary, runs: undefined } }));
    process.stdout.write(`\nBENCH_RESULT ${JSON.stringify({ scenario: 'snapshot', results: raw, notes })}\n`);
  }
}

main().catch((error) => {
  process.stderr.write(`\nbench/snapshot.mjs failed: ${error.stack ?? error}\n`);
  process.exit(1);
});
