// The leak corpus as a user's test file: one `await expect(fn).not.toLeak(target)` per case. Leaks
// must fail, look-alikes must pass. Runs unchanged under Jest (jest.config.cjs, babel) and every
// Vitest pool (vitest.config.mts, globals); scripts/corpus.mjs runs it and judges the verdicts from
// the test titles:
//   "leak 07: listener never removed | held by bus listeners 'response'"
//   "look-alike 03: bounded LRU cache"
// Environment (set by scripts/corpus.mjs):
//   TRACKREF_CORPUS_PASSES  how many times to run the whole corpus in this process (default 1)
//   TRACKREF_CORPUS_PATHS   'first' (default): retainer paths on the first pass only; 'all'; 'none'
//   TRACKREF_CORPUS_ONLY    a regular expression: run only cases whose title matches
import type { CorpusCase } from './case';
import { cases } from './cases';

declare const describe: (name: string, body: () => void) => void;
declare const test: (name: string, body: () => Promise<void>, timeout?: number) => void;
declare const expect: (value: unknown) => { not: { toLeak(target: unknown, options?: object): Promise<void> } };

const passes = Number(process.env.TRACKREF_CORPUS_PASSES ?? '1');
const pathsOn = process.env.TRACKREF_CORPUS_PATHS ?? 'first';
const only = process.env.TRACKREF_CORPUS_ONLY === undefined ? undefined : new RegExp(process.env.TRACKREF_CORPUS_ONLY);

function titleOf(c: CorpusCase, index: number): string {
  const number = String(index + 1).padStart(2, '0');
  return c.kind === 'leak' ? `leak ${number}: ${c.name} | held by ${c.heldBy}` : `look-alike ${number}: ${c.name}`;
}

function numbered(list: readonly CorpusCase[]): Array<[string, CorpusCase]> {
  const counters = { leak: 0, 'look-alike': 0 };
  return list.map((c) => [titleOf(c, counters[c.kind]++), c]);
}

const selected = numbered(cases).filter(([title]) => only === undefined || only.test(title));

for (let pass = 1; pass <= passes; pass++) {
  const paths = pathsOn === 'all' || (pathsOn === 'first' && pass === 1);
  describe(`pass ${pass}`, () => {
    for (const [title, c] of selected) {
      test(title, async () => {
        await expect(c.fn).not.toLeak(c.target, paths ? c.options : { ...c.options, paths: false });
      }, 60_000);
    }
  });
}
