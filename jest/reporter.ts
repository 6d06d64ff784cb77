/**
 * trackref/jest/reporter — a Jest reporter for CI: at the end of the run it merges what the leak
 * guard wrote in every worker into one JSON report (`outputFile`, or TRACKREF_REPORT) and prints a
 * short summary of the leaking tests. Add it after Jest's own:
 * `reporters: ['default', ['trackref/jest/reporter', { outputFile: 'reports/leaks.json' }]]`.
 * Only adapts; the merging lives in the core. Never loads test code.
 */
import { CiReportRun, CiReporterOptions, parseReporterOptions } from '../src/ci-report-run';

/** The parts of Jest's global config the reporter reads. */
interface JestGlobalConfigLike {
  shard?: { shardIndex: number; shardCount: number } | null;
}

export type { CiReporterOptions };

export default class TrackrefJestReporter {
  readonly #run: CiReportRun;
  readonly #shard: { index: number; count: number } | undefined;

  constructor(globalConfig?: JestGlobalConfigLike, options?: CiReporterOptions) {
    this.#run = new CiReportRun(parseReporterOptions(options, 'trackref/jest/reporter'));
    const shard = globalConfig?.shard;
    this.#shard = shard ? { index: shard.shardIndex, count: shard.shardCount } : undefined;
  }

  onRunComplete(): void {
    const { summary } = this.#run.finish('jest', this.#shard);
    if (this.#run.printSummary) process.stderr.write(`\n${summary}\n\n`);
  }

  getLastError(): undefined {
    return undefined;
  }
}

export { TrackrefJestReporter };
