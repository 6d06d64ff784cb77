/**
 * trackref/jest/environment — a Jest test environment built on jest-environment-node that makes
 * garbage collection available in the test context: a working `gc` global with or without
 * `--expose-gc`. Changes nothing else about the node environment.
 */
import { TestEnvironment } from 'jest-environment-node';
import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';
import { gcFunction } from '../src/gc';

export default class TrackrefEnvironment extends TestEnvironment {
  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    if (typeof this.global.gc !== 'function') {
      this.global.gc = gcFunction() as unknown as typeof this.global.gc;
    }
  }
}

export { TrackrefEnvironment as TestEnvironment };
