// The leak corpus (test/corpus/) in some cells, as a describe block: every leak must fail with
// trackref's report naming its retaining reference, every look-alike must pass
// (scripts/corpus.mjs judges each verdict from the test titles). corpus.test.ts and
// corpus-vm.test.ts split the cells so that the heavy suite's two workers share them.
import { describe, expect, test } from 'vitest';
import { corpusSize, runCorpus } from '../../scripts/corpus.mjs';
import { CORPUS_LIMIT, timeoutFor } from '../limits.mts';

/** The cells of corpus.test.ts (a process per test file, or a worker thread) and of corpus-vm.test.ts (vm contexts). */
export const PROCESS_CELLS = ['jest', 'forks', 'threads'];
export const VM_CELLS = ['vmThreads', 'vmForks'];

export function describeCorpus(cells: readonly string[]): void {
  describe('leak corpus', () => {
    test.each(cells)('%s: every leak caught and named, every look-alike passes', async (cell) => {
      const result = await runCorpus(cell, { limitMs: CORPUS_LIMIT.ms, limitRaise: `${CORPUS_LIMIT.raise} (now ${CORPUS_LIMIT.describe})` });
      const counts = corpusSize(result.tests);
      const explanation = result.wrong.map((w) => `${w.title}\n  ${w.why}`).join('\n') + (result.tests.length === 0 ? result.output : '');
      expect(result.wrong, explanation).toEqual([]);
      expect(counts.leaks, result.output).toBeGreaterThanOrEqual(25);
      expect(counts.lookAlikes, result.output).toBeGreaterThanOrEqual(15);
    }, timeoutFor(CORPUS_LIMIT));
  });
}
