#!/usr/bin/env node
// Adds up flake soaks (the JSON summaries scripts/soak.mjs writes) per version of the library
// they judged, so that a long soak split over several sittings counts as one:
//
//   npm run soak:total -- .soak/*.json
//
// Summaries are grouped by their library digest (dist/) and the runners' Node; ones written before
// soaks recorded a digest are listed apart and never added to a version. Prints one table per
// library version and Node; exits 1 when any summary counted a wrong verdict. Only reads the files
// it is given.
import { readFileSync } from 'node:fs';
import { printTable, sumByCell } from './soak-table.mjs';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('Pass the soak summaries to add up, e.g. npm run soak:total -- .soak/*.json');
  process.exit(2);
}

const groups = new Map();
for (const file of files) {
  let summary;
  try {
    summary = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    console.error(`${file}: not a soak summary (${error.message}); pass files written by npm run soak.`);
    process.exit(2);
  }
  if (!summary.total || !Array.isArray(summary.table)) {
    console.error(`${file}: not a soak summary (no total/table); pass files written by npm run soak.`);
    process.exit(2);
  }
  // One group per library and Node the runners ran on.
  const key = `${summary.library?.digest ?? 'no digest (written before soaks recorded one)'}, runners on Node ${summary.node ?? '?'}`;
  if (!groups.has(key)) groups.set(key, []);
  groups.get(key).push({ file, summary });
}

let wrong = 0;
for (const [digest, members] of groups) {
  const total = { passes: 0, verdicts: 0, wrong: 0, wallSeconds: 0, preflights: 0 };
  for (const { summary } of members) {
    // The pre-flight pass is counted too: it is one more corpus pass judged on the same code.
    const preflight = summary.preflight ?? { passes: 0, verdicts: 0, wrong: 0 };
    total.passes += summary.total.passes + preflight.passes;
    total.verdicts += summary.total.verdicts + preflight.verdicts;
    total.wrong += summary.total.wrong;
    total.wallSeconds += summary.total.wallSeconds;
    total.preflights += preflight.passes;
  }
  wrong += total.wrong;
  console.log(`\nLibrary ${digest}`);
  for (const { file, summary } of members) {
    const state = summary.complete === false ? ', stopped early' : '';
    console.log(`  ${file}: ${summary.date ?? '?'}, ${summary.commit ?? 'commit ?'}, ${summary.node ?? '?'}, ${summary.total.passes} passes${state}`);
  }
  printTable(sumByCell(members.flatMap(({ summary }) => summary.table)), total);
  console.log(`(all counts the ${total.preflights} pre-flight pass(es) the summaries recorded; the rows do not)`);
  console.log(`wall time ${(total.wallSeconds / 3600).toFixed(1)} h`);
}
process.exitCode = wrong > 0 ? 1 : 0;
