// Every corpus case: the leaks, then the look-alikes.
import type { CorpusCase } from '../case';
import { leaks } from './leaks';
import { lookAlikes } from './look-alikes';

export const cases: readonly CorpusCase[] = [...leaks, ...lookAlikes];
