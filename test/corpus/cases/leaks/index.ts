// The leak cases, in report order ("leak 01", "leak 02", …).
import type { LeakCase } from '../../case';
import listenerNeverRemoved from './listener-never-removed';

export const leaks: readonly LeakCase[] = [listenerNeverRemoved];
