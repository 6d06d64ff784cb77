#!/usr/bin/env node
'use strict';
// vitest-gc: runs Vitest with --expose-gc reaching every worker. Same arguments as `vitest`.
require('./run-with-gc').runWithGc('vitest', 'vitest');
