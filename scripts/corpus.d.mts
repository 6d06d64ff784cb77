// Types of scripts/corpus.mjs, for test/integration/corpus.test.ts and scripts/soak.mjs's readers.
export type CorpusCell = 'jest' | 'forks' | 'threads' | 'vmThreads' | 'vmForks';
export declare const CELLS: readonly CorpusCell[];
export declare const DEFAULT_LIMIT_MS: number;

export interface CorpusOptions {
  /** Times the whole corpus runs in the one runner process (default 1). */
  passes?: number;
  /** Retainer paths on the first pass only (default), on all passes, or none. */
  paths?: 'first' | 'all' | 'none';
  /** Only the cases whose test title matches this regular expression. */
  only?: string;
  /** NODE_OPTIONS for the runner and its workers (e.g. a small --max-old-space-size). */
  nodeOptions?: string;
  /** The run is killed after this many milliseconds (default DEFAULT_LIMIT_MS, 20 minutes). */
  limitMs?: number;
  /** How the caller's user raises limitMs, for the message when a run hits it (default: the script's --limit-s). */
  limitRaise?: string;
  /** When set, a run reporting another number of corpus tests counts as one wrong verdict. */
  expectedTests?: number;
}

export interface CorpusTest {
  pass: number;
  title: string;
  kind: 'leak' | 'look-alike';
  heldBy?: string;
  status: string;
  message: string;
}

export interface WrongVerdict {
  pass: number;
  title: string;
  why: string;
}

export interface CorpusRun {
  cell: CorpusCell;
  seconds: number;
  code: number | null;
  /** The runner was stopped at its time limit. */
  limitHit: boolean;
  tests: CorpusTest[];
  wrong: WrongVerdict[];
  output: string;
}

export declare function runCorpus(cell: CorpusCell, options?: CorpusOptions): Promise<CorpusRun>;
export declare function judge(test: CorpusTest, withPaths: boolean): string | undefined;
export declare function corpusSize(tests: CorpusTest[]): { leaks: number; lookAlikes: number };
