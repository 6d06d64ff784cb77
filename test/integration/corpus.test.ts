// The leak corpus (test/corpus/) in every cell: Jest, and Vitest's forks, threads, vmThreads and
// vmForks pools. Every leak must fail with trackref's report naming its retaining reference, every
// look-alike must pass (scripts/corpus.mjs judges each verdict from the test titles).
import { describe, expect, test } from 'vitest';
import { CELLS, corpusSize, runCorpus } from '../../scripts/corpus.mjs';
import { CORPUS_LIMIT, timeoutFor } from '../limits.mts';

describe('leak corpus', () => {
  test.each(CELLS)('%s: every leak caught and named, every look-alike passes', async (cell) => {
    const result = await runCorpus(cell, { limitMs: CORPUS_LIMIT.ms, limitRaise: `${CORPUS_LIMIT.raise} (now ${CORPUS_LIMIT.describe})` });
    const counts = corpusSize(result.tests);
    const explanation = result.wrong.map((w) => `${w.title}\n  ${w.why}`).join('\n') + (result.tests.length === 0 ? result.output : '');
    expect(result.wrong, explanation).toEqual([]);
    expect(counts.leaks, result.output).toBeGreaterThanOrEqual(25);
    expect(counts.lookAlikes, result.output).toBeGreaterThanOrEqual(15);
  }, timeoutFor(CORPUS_LIMIT));
});
