// Vitest: the per-test guard on (listed after trackref's own setup file).
import { guardLeaks } from 'trackref/vitest';

guardLeaks();
