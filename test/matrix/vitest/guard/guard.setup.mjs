// The README's guard setup file (listed after 'trackref/vitest' in setupFiles).
import { guardLeaks } from 'trackref/vitest';

guardLeaks();
