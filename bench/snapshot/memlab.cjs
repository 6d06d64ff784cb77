// The memlab side of the heap-snapshot benchmark (bench/snapshot.mjs runs it once per repeat, in a
// process of its own):
//
//   node --max-old-space-size=16384 bench/snapshot/memlab.cjs <memlab dir> <file.heapsnapshot>
//
// Loads the snapshot written by bench/snapshot/heap.cjs with memlab 2.0.5's API and computes one
// retainer path for an HtmlResponse (the one with the highest snapshot id: one of the last cached):
//   heap = await getFullHeapFromFile(file)        // @memlab/heap-analysis: parse + shortest paths
//                                                 //   (TraceFinder.annotateShortestPaths) + dominators
//   node = newest HtmlResponse among heap.nodes
//   path = new TraceFinder().getPathToGCRoots(heap, node)   // @memlab/core
//   text = serializer.summarizePath(path, new NumericSet(), heap)
// and checks the path ends in cache → N → meta → referer (else exits with code 3). Wall time
// covers all of that; peak RSS is the whole process's (maxRSS), also given beyond the RSS it had
// just before parsing. The result is one `BENCH_RESULT {json}` line on stdout.
'use strict';
const path = require('node:path');
const { performance } = require('node:perf_hooks');

const [memlabDir, file] = process.argv.slice(2);
const modules = path.join(path.resolve(memlabDir), 'node_modules');
const core = require(path.join(modules, '@memlab', 'core'));
const { getFullHeapFromFile } = require(path.join(modules, '@memlab', 'heap-analysis'));

async function main() {
  core.config.muteConsole = true;
  const rssBefore = process.memoryUsage().rss;
  const start = performance.now();
  const heap = await getFullHeapFromFile(file);
  const loadedMs = performance.now() - start;
  let newest = null;
  heap.nodes.forEach((node) => {
    if (node.type === 'object' && node.name === 'HtmlResponse' && (newest === null || node.id > newest.id)) newest = node;
  });
  if (newest === null) throw new Error('memlab found no HtmlResponse in the snapshot');
  const trace = new core.TraceFinder().getPathToGCRoots(heap, newest);
  if (trace === null) throw new Error('memlab found no retainer path for the HtmlResponse');
  const text = core.serializer.summarizePath(trace, new core.NumericSet(), heap);
  const ms = performance.now() - start;
  const edges = [];
  for (let step = trace; step; step = step.next) if (step.edge) edges.push(String(step.edge.name_or_index));
  const shown = edges.join(' → ');
  if (!/cache → \d+ → meta → referer$/.test(shown)) {
    process.stderr.write(`${text}\nmemlab's path does not end in cache → N → meta → referer: ${shown}\n`);
    // A wrong result, not a crash: the parent stops the benchmark on this exit code.
    process.exit(3);
  }
  const peakRss = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(
    `\nBENCH_RESULT ${JSON.stringify({ ms, loadedMs, rssBefore, peakRss, extraPeak: peakRss - rssBefore, path: shown, nodes: heap.nodes.length })}\n`,
  );
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
