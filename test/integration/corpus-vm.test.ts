// The leak corpus (test/corpus/) under Vitest's vmThreads and vmForks pools (test files in vm
// contexts); the other cells are in corpus.test.ts.
import { VM_CELLS, describeCorpus } from './corpus-cells';

describeCorpus(VM_CELLS);
