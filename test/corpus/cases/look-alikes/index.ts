// The look-alike cases (not leaks), in report order ("look-alike 01", …).
import type { LookAlikeCase } from '../../case';
import boundedLruCache from './bounded-lru-cache';

export const lookAlikes: readonly LookAlikeCase[] = [boundedLruCache];
