/**
 * trackref/jest/environment — a Jest test environment built on jest-environment-node that makes
 * garbage collection available in the test context (a working `gc` global with or without
 * `--expose-gc`) and, with `testEnvironmentOptions: { trackref: { guard: true, ignore: ['Spider'] } }`,
 * turns on the per-test leak guard: it hands its `handleTestEvent` calls to the guard that
 * 'trackref/jest' installs inside the test context (where the tracked classes live). Changes nothing
 * else about the node environment.
 */
import { TestEnvironment } from 'jest-environment-node';
import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';
import { gcFunction } from '../src/gc';
import { TrackrefError } from '../src/errors';
import { describeValue } from '../src/object-ref';
import { parseGuardOptions } from '../src/guard';
import type { GuardOptions } from '../src/guard';
import { BRIDGE, EnvironmentBridge } from './guard';

/** `testEnvironmentOptions.trackref`. */
export interface TrackrefEnvironmentOptions {
  /** Turn on the per-test leak guard (default false). */
  guard?: boolean;
  /** Class names (and their subclasses) the guard never blames on a test. */
  ignore?: string[];
}

type Listener = (event: { name: string }) => Promise<void>;

/** Reads and checks `testEnvironmentOptions.trackref`; says what to pass instead. */
export function parseEnvironmentOptions(raw: unknown): GuardOptions | undefined {
  if (raw === undefined) return undefined;
  const where = 'testEnvironmentOptions.trackref';
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new TrackrefError(`${where} must be an object like { guard: true, ignore: ['Spider'] }, but it is ${describeValue(raw)}.`);
  }
  const { guard, ...rest } = raw as Record<string, unknown>;
  if (guard !== undefined && typeof guard !== 'boolean') {
    throw new TrackrefError(`${where}.guard must be true or false, but it is ${describeValue(guard)}. Pass { guard: true } to turn the leak guard on.`);
  }
  const options = parseGuardOptions(rest, where);
  return guard === true ? options : undefined;
}

export default class TrackrefEnvironment extends TestEnvironment {
  #listener: Listener | undefined;
  readonly #guardRequested: boolean;

  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    if (typeof this.global.gc !== 'function') {
      this.global.gc = gcFunction() as unknown as typeof this.global.gc;
    }
    const options = config.projectConfig.testEnvironmentOptions as Record<string, unknown> | undefined;
    const guard = parseEnvironmentOptions(options?.trackref);
    this.#guardRequested = guard !== undefined;
    const bridge: EnvironmentBridge = {
      guard,
      testPath: context.testPath,
      listen: (listener) => {
        this.#listener = listener as Listener;
      },
    };
    Object.defineProperty(this.global, BRIDGE, { value: bridge, configurable: true, enumerable: false });
  }

  /** jest-circus's test events, handed to the in-context guard (awaited, so the guard can collect). */
  async handleTestEvent(event: { name: string }, _state: unknown): Promise<void> {
    if (this.#listener !== undefined) {
      await this.#listener(event);
    } else if (this.#guardRequested && event.name === 'run_start') {
      throw new TrackrefError(
        "testEnvironmentOptions.trackref.guard is on, but trackref's setup file was not loaded in this test file. " +
          "Add it to the Jest config: setupFilesAfterEnv: ['trackref/jest'].",
      );
    }
  }
}

export { TrackrefEnvironment as TestEnvironment };
