/**
 * How long the retainer paths of a failing check will take here (a heap snapshot, its parse and the
 * path search), foretold from the check's own heap scan (the baseline's census walks the same heap:
 * the snapshot costs a few times as much) and learnt from this thread's last snapshot. Lets a check
 * that would run past its test's timeout report without paths instead of being cut off with no
 * report. Holds numbers only, never an object of the heap.
 */

/**
 * The paths' cost as a multiple of the baseline's census, before this thread has taken a snapshot.
 * Measured 3.3–5.0× in Jest workers and 4.2–5.6× in Vitest forks (small libraries' tests, load 4–5),
 * 6.4× on a 200 MB heap in plain Node. The lowest: a paths' snapshot is skipped only when even that
 * would not fit (skipping one that would have fit loses paths the test had time for).
 */
const DEFAULT_PATHS_PER_CENSUS = 3;

/** The last measured ratio of paths to census in this thread (a worker has its own). */
let learnedPathsPerCensus: number | undefined;

/** Milliseconds the retainer paths are expected to take, given how long this check's census took. */
export function expectedPathsMs(censusMs: number): number {
  return Math.max(censusMs, 1) * (learnedPathsPerCensus ?? DEFAULT_PATHS_PER_CENSUS);
}

/** Records what the paths of a check whose census took `censusMs` took, for the next check here. */
export function notePathsCost(pathsMs: number, censusMs: number): void {
  // A census under a few milliseconds (a tiny heap) says little about the ratio.
  if (censusMs >= 20) learnedPathsPerCensus = pathsMs / censusMs;
}
