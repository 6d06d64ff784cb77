/**
 * trackref/vitest/reporter — a Vitest reporter for CI: at the end of the run it merges what the leak
 * guard wrote in every worker into one JSON report (`outputFile`, or TRACKREF_REPORT) and prints a
 * short summary of the leaking tests. Add it after Vitest's own:
 * `reporters: ['default', ['trackref/vitest/reporter', { outputFile: 'reports/leaks.json' }]]`.
 * Only adapts; the merging lives in the core. Never imports Vitest or loads test code.
 */
import { CiReportRun, CiReporterOptions, parseReporterOptions } from '../src/ci-report-run';

/** The parts of the Vitest instance the reporter reads. */
interface VitestLike {
  config?: { shard?: { index: number; count: number } | undefined };
  logger?: { log(...args: unknown[]): void };
}

export type { CiReporterOptions };

export default class TrackrefVitestReporter {
  readonly #run: CiReportRun;
  #vitest: VitestLike | undefined;
  #reported = false;

  constructor(options?: CiReporterOptions) {
    this.#run = new CiReportRun(parseReporterOptions(options, 'trackref/vitest/reporter'));
  }

  onInit(vitest: VitestLike): void {
    this.#vitest = vitest;
  }

  onTestRunStart(): void {
    this.#reported = false;
  }

  onWatcherRerun(): void {
    this.#reported = false;
  }

  /** Vitest 3.2 and later. */
  onTestRunEnd(): void {
    this.#finish();
  }

  /** Vitest 3.0 and 3.1 (later versions call onTestRunEnd first). */
  onFinished(): void {
    this.#finish();
  }

  #finish(): void {
    if (this.#reported) return;
    this.#reported = true;
    const shard = this.#vitest?.config?.shard;
    const { summary } = this.#run.finish('vitest', shard ? { index: shard.index, count: shard.count } : undefined);
    if (!this.#run.printSummary) return;
    const logger = this.#vitest?.logger;
    if (logger !== undefined) logger.log(`\n${summary}`);
    else process.stdout.write(`\n${summary}\n`);
  }
}

export { TrackrefVitestReporter };
