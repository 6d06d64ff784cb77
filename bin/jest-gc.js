#!/usr/bin/env node
'use strict';
// jest-gc: runs Jest with --expose-gc reaching every worker. Same arguments as `jest`.
require('./run-with-gc').runWithGc('jest', 'jest');
