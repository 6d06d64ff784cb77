#!/usr/bin/env node
// The flake soak: runs the leak corpus (test/corpus/) many times across runners, pools and
// conditions, and counts wrong verdicts (a leak not caught, a look-alike failed, a leak failing
// without its report, a report not naming the retaining reference, or a case that did not run).
//
//   npm run soak -- --runs 1000                  1,000 corpus passes in all
//   npm run soak -- --runs 100 --cells jest,vmForks --conditions busy --passes-per-process 10
//
// Options:
//   --runs N                 corpus passes in all (default 50), spread over cells × conditions
//   --cells LIST             jest, forks, threads, vmThreads, vmForks (default all)
//   --conditions LIST        normal, busy (a sibling process spinning on a core for the whole run),
//                            small-heap (NODE_OPTIONS=--max-old-space-size=<--heap-mb>) (default all)
//   --heap-mb N              the small heap, in MB (default 96)
//   --passes-per-process N   passes in one runner process (default 5): the first with retainer
//                            paths (the report must name each leak's reference), the rest without.
//                            Leak cases keep what they leak (timers, listeners, caches), so each
//                            pass in a process is slower than the last: keep processes short
//   --jobs N                 runner processes at once (default 2)
//   --node MAJOR             run the runners on that Node (e.g. 24, from the npm registry; default
//                            the Node running the soak); the summary records the version
//   --out FILE               also write the summary as JSON (default .soak/last.json); it is
//                            rewritten after every runner process, so a soak that is stopped
//                            keeps the passes it finished (marked "complete": false)
// Needs dist/ (npm run build). Prints one line per runner process and a table; exits 1 when any
// verdict was wrong. The summary names the library it judged (a digest of dist/, see
// scripts/library-digest.mjs): `npm run soak:total -- .soak/*.json` adds up soaks per library.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CELLS, corpusSize, runCorpus, stopRunners, wholeNumber } from './corpus.mjs';
import { libraryDigest } from './library-digest.mjs';
import { nodeOfMajor } from './registry-tools.mjs';
import { printTable, sumByCell } from './soak-table.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CONDITIONS = ['normal', 'busy', 'small-heap'];

function parseArgs(argv) {
  const options = { runs: 50, cells: [...CELLS], conditions: [...CONDITIONS], heapMb: 96, perProcess: 5, jobs: 2, out: join(root, '.soak', 'last.json') };
  const help = `Options: --runs N --cells ${CELLS.join(',')} --conditions ${CONDITIONS.join(',')} --heap-mb N --passes-per-process N --jobs N --node MAJOR --out FILE`;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${flag} needs a value. ${help}`);
      return next;
    };
    const count = () => wholeNumber(flag, value());
    const list = (allowed) => {
      const items = value().split(',');
      const bad = items.filter((item) => !allowed.includes(item));
      if (bad.length > 0) throw new Error(`${flag}: unknown ${bad.join(', ')}; pass some of ${allowed.join(',')}.`);
      return items;
    };
    if (flag === '--runs') options.runs = count();
    else if (flag === '--cells') options.cells = list(CELLS);
    else if (flag === '--conditions') options.conditions = list(CONDITIONS);
    else if (flag === '--heap-mb') options.heapMb = count();
    else if (flag === '--passes-per-process') options.perProcess = count();
    else if (flag === '--jobs') options.jobs = count();
    else if (flag === '--node') options.nodeMajor = count();
    else if (flag === '--out') options.out = value();
    else throw new Error(`Unknown option ${flag}. ${help}`);
  }
  return options;
}

/** The runner processes to start: cells and conditions in turn, until `runs` passes are planned. */
function plan({ runs, cells, conditions, perProcess }) {
  const jobs = [];
  let planned = 0;
  for (let i = 0; planned < runs; i++) {
    const passes = Math.min(perProcess, runs - planned);
    jobs.push({ cell: cells[i % cells.length], condition: conditions[Math.floor(i / cells.length) % conditions.length], passes });
    planned += passes;
  }
  return jobs;
}

/** The checked-out commit, for the reader (the library digest is what identifies the code). */
function gitCommit() {
  try {
    return execFileSync('git', ['describe', '--always', '--dirty'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

const siblings = new Set();

/** A sibling process keeping one core busy until stopped. */
function busySibling() {
  const child = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
  siblings.add(child);
  return () => {
    siblings.delete(child);
    child.kill('SIGKILL');
  };
}

// Stopping the soak (Ctrl-C, kill) also stops its runners and busy siblings; the summary keeps
// the runner processes that finished.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    stopRunners();
    for (const child of siblings) child.kill('SIGKILL');
    console.log(`\nStopped by ${signal}.`);
    process.exit(130);
  });
}

async function main() {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`soak: ${error.message}`);
    process.exit(2);
  }
  const started = Date.now();
  const log = (text) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(5)} s] ${text}`);

  const runner = options.nodeMajor === undefined ? { node: process.execPath, version: process.version } : await nodeOfMajor(options.nodeMajor);
  if (options.nodeMajor !== undefined) log(`runners on Node ${runner.version} (${runner.node})`);

  // Pre-flight: one pass with paths in the first cell, which also fixes the corpus size.
  const preflight = await runCorpus(options.cells[0], { passes: 1, node: runner.node });
  const size = corpusSize(preflight.tests);
  const perPass = size.leaks + size.lookAlikes;
  if (perPass === 0) throw new Error(`The pre-flight run reported no corpus tests:\n${preflight.output}`);
  log(`corpus: ${size.leaks} leaks + ${size.lookAlikes} look-alikes; pre-flight in ${options.cells[0]}: ${preflight.wrong.length} wrong`);

  const jobs = plan(options);
  const library = libraryDigest(join(root, 'dist'));
  const results = [];
  /** The soak so far, written to --out (after every runner process and at the end). */
  const summarize = (complete) => {
    const rows = results.map((r) => ({ cell: r.cell, condition: r.condition, passes: r.passes, verdicts: r.verdicts, wrong: r.wrong.length, seconds: r.seconds }));
    const order = (row) => options.cells.indexOf(row.cell) * options.conditions.length + options.conditions.indexOf(row.condition);
    const table = sumByCell(rows).sort((a, b) => order(a) - order(b));
    const summary = {
      date: new Date(started).toISOString(),
      complete,
      library,
      commit: gitCommit(),
      node: runner.version,
      cpus: os.cpus().length,
      corpus: size,
      options: { ...options, out: undefined },
      preflight: { passes: 1, verdicts: preflight.tests.length, wrong: preflight.wrong.length },
      total: {
        passes: table.reduce((n, r) => n + r.passes, 0),
        verdicts: table.reduce((n, r) => n + r.verdicts, 0),
        wrong: table.reduce((n, r) => n + r.wrong, 0) + preflight.wrong.length,
        wallSeconds: (Date.now() - started) / 1000,
      },
      table,
      wrong: [
        ...preflight.wrong.map((w) => ({ cell: options.cells[0], condition: 'pre-flight', ...w })),
        ...results.flatMap((r) => r.wrong.map((w) => ({ cell: r.cell, condition: r.condition, ...w }))),
      ],
    };
    mkdirSync(dirname(options.out), { recursive: true });
    writeFileSync(`${options.out}.tmp`, `${JSON.stringify(summary, null, 2)}\n`);
    renameSync(`${options.out}.tmp`, options.out);
    return summary;
  };
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const index = next++;
      const job = jobs[index];
      const stop = job.condition === 'busy' ? busySibling() : () => {};
      try {
        const result = await runCorpus(job.cell, {
          node: runner.node,
          passes: job.passes,
          paths: 'first',
          expectedTests: job.passes * perPass,
          ...(job.condition === 'small-heap' ? { nodeOptions: `--max-old-space-size=${options.heapMb}` } : {}),
        });
        results.push({ ...job, seconds: result.seconds, verdicts: result.tests.length, wrong: result.wrong });
        log(`${index + 1}/${jobs.length} ${job.cell} ${job.condition}: ${job.passes} passes, ${result.tests.length} verdicts, ${result.wrong.length} wrong, ${result.seconds.toFixed(0)} s`);
        summarize(false);
        for (const wrong of result.wrong) log(`  WRONG (pass ${wrong.pass}) ${wrong.title}: ${wrong.why.split('\n').slice(0, 8).join('\n    ')}`);
        if (result.wrong.some((w) => w.title === '(run)')) log(`  output tail:\n${result.output.slice(-3000)}`);
      } finally {
        stop();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.jobs, jobs.length) }, worker));

  const summary = summarize(true);
  printTable(summary.table, summary.total);
  console.log(`\nSummary written to ${options.out}`);
  process.exitCode = summary.total.wrong > 0 ? 1 : 0;
}

await main();
