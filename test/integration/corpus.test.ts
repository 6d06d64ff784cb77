// The leak corpus (test/corpus/) under Jest and Vitest's forks and threads pools; the vm pools are
// in corpus-vm.test.ts, so that the heavy suite's two workers share the cells. Together: every cell
// of scripts/corpus.mjs (the first test keeps the two files complete).
import { expect, test } from 'vitest';
import { CELLS } from '../../scripts/corpus.mjs';
import { PROCESS_CELLS, VM_CELLS, describeCorpus } from './corpus-cells';

test('the two corpus files cover every cell', () => {
  expect([...PROCESS_CELLS, ...VM_CELLS].sort()).toEqual([...CELLS].sort());
});

describeCorpus(PROCESS_CELLS);
