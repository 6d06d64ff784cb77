// The flake soak's per-cell table, shared by scripts/soak.mjs (one soak) and scripts/soak-total.mjs
// (several soaks of one library): rows of { cell, condition, passes, verdicts, wrong, seconds }
// added up per cell and condition, and printed as a Markdown table. Pure: no I/O but the printing.

/** Adds rows up per cell and condition, in the order each pair first appears. */
export function sumByCell(rows) {
  const cells = new Map();
  for (const row of rows) {
    const key = `${row.cell}\u0000${row.condition}`;
    const sum = cells.get(key) ?? { cell: row.cell, condition: row.condition, passes: 0, verdicts: 0, wrong: 0, seconds: 0 };
    sum.passes += row.passes;
    sum.verdicts += row.verdicts;
    sum.wrong += row.wrong;
    sum.seconds += row.seconds ?? 0;
    cells.set(key, sum);
  }
  return [...cells.values()];
}

/** Prints the rows and an `all` line (`total`: passes, verdicts, wrong, wallSeconds) as Markdown. */
export function printTable(rows, total) {
  console.log('\n| cell | condition | corpus passes | verdicts | wrong | runner seconds | seconds per pass |\n| --- | --- | ---: | ---: | ---: | ---: | ---: |');
  for (const row of rows) {
    console.log(`| ${row.cell} | ${row.condition} | ${row.passes} | ${row.verdicts} | ${row.wrong} | ${row.seconds.toFixed(0)} | ${(row.seconds / row.passes).toFixed(1)} |`);
  }
  console.log(`| all | | ${total.passes} | ${total.verdicts} | ${total.wrong} | wall ${total.wallSeconds.toFixed(0)} | |`);
}
