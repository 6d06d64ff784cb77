// Misuse: every rejection is a TrackrefError whose message says what to pass instead.
import { runInNewContext } from 'node:vm';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { ObjectRef, TrackrefError, checkLeaks, formatLiveRefs, getOldest, iterAll } from 'trackref';
import { withTrackref } from 'trackref/vitest/config';

class HtmlResponse extends ObjectRef {}

/** The error a promise rejects with, or a call throws with. */
async function errorOf(run: () => unknown): Promise<Error> {
  try {
    await run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection, but it resolved');
}

async function expectTrackrefError(run: () => unknown, ...patterns: (string | RegExp)[]): Promise<string> {
  const error = await errorOf(run);
  expect(error).toBeInstanceOf(TrackrefError);
  expect(error.name).toBe('TrackrefError');
  for (const pattern of patterns) {
    if (typeof pattern === 'string') expect(error.message).toContain(pattern);
    else expect(error.message).toMatch(pattern);
  }
  return error.message;
}

const TARGET_HELP = [/Pass a class/, 'toLeak(HtmlResponse)', "toLeak('HtmlResponse')", 'toLeak([Request, HtmlResponse])', 'nothing for every tracked class'];

describe('checkLeaks: received value', () => {
  test.each([
    ['a number', 42, 'the number 42'],
    ['a promise', Promise.resolve(), 'an instance of Promise'],
    ['undefined', undefined, 'undefined'],
    ['a plain object', { run() {} }, 'a plain object'],
  ])('%s instead of a function: says to wrap the code in a function', async (_what, value, described) => {
    await expectTrackrefError(() => checkLeaks(value, HtmlResponse), 'function', described, /Wrap the code in a function: checkLeaks\(\(\) =>/);
  });
});

describe('checkLeaks: target', () => {
  test('a number', async () => {
    await expectTrackrefError(() => checkLeaks(() => {}, 42 as never), 'the number 42', ...TARGET_HELP);
  });

  test('a plain object', async () => {
    await expectTrackrefError(() => checkLeaks(() => {}, { HtmlResponse } as never), 'a plain object', ...TARGET_HELP);
  });

  test('an empty array', async () => {
    await expectTrackrefError(() => checkLeaks(() => {}, []), /empty/, ...TARGET_HELP);
  });

  test('an array with a bad element names the element', async () => {
    await expectTrackrefError(() => checkLeaks(() => {}, [HtmlResponse, null as never]), 'element 1', 'is null', 'Pass the class itself (toLeak(HtmlResponse))', "its name (toLeak('HtmlResponse'))");
  });

  test('an instance instead of its class', async () => {
    await expectTrackrefError(() => checkLeaks(() => {}, new HtmlResponse() as never), 'an instance of HtmlResponse', 'Pass its class instead: toLeak(HtmlResponse)');
  });

  test.each([
    ['Object', Object, 'every object'],
    ['Function', Function, 'every function'],
    ["another realm's Object", runInNewContext('Object') as ObjectConstructor, 'every object'],
  ])('%s, which would count everything: says to pass the leaking class or track() the objects', async (_what, root, counted) => {
    await expectTrackrefError(
      () => checkLeaks(() => {}, root as never),
      `toLeak(${root.name}) would count ${counted} in the process`,
      'no verdict on it can be trusted',
      'toLeak(HtmlResponse)',
      'pass them to track()',
    );
  });

  test('a class of ours that is merely named Object is counted like any other', async () => {
    const report = await checkLeaks(() => {}, class Object {});
    expect(report.leaked).toBe(false);
  });

  test('an empty class name', async () => {
    await expectTrackrefError(() => checkLeaks(() => {}, ''), ...TARGET_HELP);
  });

  test('an unknown class name lists the tracked classes and says to pass the class itself', async () => {
    const message = await expectTrackrefError(() => checkLeaks(() => {}, 'NoSuchClassAnywhere'), "'NoSuchClassAnywhere'", /Pass the class itself/);
    expect(message).toMatch(/Tracked classes: .*HtmlResponse/);
  });

  test('an unknown class name in ignore', async () => {
    await expectTrackrefError(() => checkLeaks(() => {}, HtmlResponse, { ignore: 'NoSuchIgnoredClass' }), "'NoSuchIgnoredClass'", /Pass the class itself/);
  });

  test('an empty ignore list (the default) ignores nothing, in every function that takes ignore', async () => {
    const kept: HtmlResponse[] = [];
    const report = await checkLeaks(() => void kept.push(new HtmlResponse()), HtmlResponse, { ignore: [] });
    expect(report.leaked).toBe(true);
    const withoutAges = (text: string) => text.replace(/oldest: \S+ ago/g, 'oldest: …');
    expect(withoutAges(formatLiveRefs({ ignore: [] }))).toBe(withoutAges(formatLiveRefs()));
    expect(formatLiveRefs({ ignore: [] })).toMatch(/^HtmlResponse +\d+ +oldest/m);
  });

  test('a bad element in an ignore array is named, with advice for ignore (not for targets)', async () => {
    await expectTrackrefError(() => checkLeaks(() => {}, HtmlResponse, { ignore: [HtmlResponse, 5] as never }), 'ignore option (element 1)', 'the number 5', "ignore: [Spider, 'Scheduler']");
  });

  test('ignore that is not a class', async () => {
    await expectTrackrefError(() => checkLeaks(() => {}, HtmlResponse, { ignore: 5 as never }), 'ignore', 'the number 5', /Pass a class/);
  });
});

describe('checkLeaks: options', () => {
  test('an unknown key lists the valid options', async () => {
    await expectTrackrefError(
      () => checkLeaks(() => {}, HtmlResponse, { rnus: 3 } as never),
      "'rnus'",
      /Valid options are .*\bwarmup\b/,
      /Valid options are .*\bruns\b/,
      /Valid options are .*\btolerance\b/,
      /Valid options are .*\bignore\b/,
      /Valid options are .*\btimeout\b/,
      /Valid options are .*\bpaths\b/,
    );
  });

  test('several unknown keys are all named', async () => {
    await expectTrackrefError(() => checkLeaks(() => {}, HtmlResponse, { rnus: 3, tolerence: 1 } as never), "'rnus'", "'tolerence'", /Valid options/);
  });

  test('options that are not an object', async () => {
    await expectTrackrefError(() => checkLeaks(() => {}, HtmlResponse, 3 as never), 'the number 3', /Options must be an object like \{/);
  });

  test('a second class where the options go: told to pass the classes as one array', async () => {
    await expectTrackrefError(() => checkLeaks(() => {}, Map, Set as never), /Options must be an object like \{/, 'pass them as one array: toLeak([A, Set])');
  });

  test.each([
    ['negative runs', { runs: -1 }, 'runs', 'the number -1', /Pass e\.g\. \{ runs: 1 \}/],
    ['zero runs', { runs: 0 }, 'runs', 'the number 0', /Pass e\.g\. \{ runs: 1 \}/],
    ['NaN warmup', { warmup: Number.NaN }, 'warmup', 'the number NaN', /Pass e\.g\. \{ warmup: \d+ \}/],
    ['negative warmup', { warmup: -2 }, 'warmup', 'the number -2', /Pass e\.g\. \{ warmup: \d+ \}/],
    ['string warmup', { warmup: '1' }, 'warmup', 'the string "1"', /Pass e\.g\. \{ warmup: \d+ \}/],
    ['non-integer tolerance', { tolerance: 1.5 }, 'tolerance', 'the number 1.5', /Pass e\.g\. \{ tolerance: \d+ \}/],
    ['Infinity runs', { runs: Number.POSITIVE_INFINITY }, 'runs', 'Infinity', /Pass e\.g\. \{ runs: 1 \}/],
  ])('%s: says it must be a whole number and gives an example', async (_what, options, key, described, example) => {
    await expectTrackrefError(() => checkLeaks(() => {}, HtmlResponse, options as never), `Option ${key}`, /whole number/, described, example);
  });

  test.each([
    ['zero', 0, 'the number 0'],
    ['negative', -5, 'the number -5'],
    ['NaN', Number.NaN, 'the number NaN'],
    ['a string', '100', 'the string "100"'],
  ])('timeout %s: says it must be a positive number of milliseconds', async (_what, timeout, described) => {
    await expectTrackrefError(
      () => checkLeaks(() => {}, HtmlResponse, { timeout } as never),
      'Option timeout',
      /positive number of milliseconds/,
      described,
      /Pass e\.g\. \{ timeout: \d+ \}, or \{ timeout: Infinity \} for no limit/,
    );
  });

  test.each([
    ['just past the longest timer', 2_147_483_648],
    ['3e9', 3e9],
  ])('timeout %s: says it must be at most 2147483647 ms and how to ask for no limit', async (_what, timeout) => {
    await expectTrackrefError(
      () => checkLeaks(() => {}, HtmlResponse, { timeout }),
      'Option timeout',
      'at most 2147483647 ms',
      `the number ${timeout}`,
      'Pass { timeout: Infinity } for no limit',
    );
  });

  test('timeout Infinity waits for fn however long it takes (no timer that fires at once)', async () => {
    let settled = 0;
    const report = await checkLeaks(
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 30));
        settled++;
      },
      HtmlResponse,
      { timeout: Number.POSITIVE_INFINITY },
    );
    expect(report.leaked).toBe(false);
    expect(settled).toBe(2);
  });

  test('paths that is not a boolean: says to pass true or false', async () => {
    await expectTrackrefError(() => checkLeaks(() => {}, HtmlResponse, { paths: 'no' } as never), 'Option paths', 'the string "no"', /Pass e\.g\. \{ paths: false \}/);
  });

  test('valid edge values are accepted', async () => {
    const report = await checkLeaks(() => {}, HtmlResponse, { warmup: 0, runs: 1, tolerance: 0, timeout: 1 });
    expect(report.leaked).toBe(false);
  });
});

describe('registry functions', () => {
  test('getOldest and iterAll of a number say to pass a class name or a class', async () => {
    await expectTrackrefError(() => getOldest(42 as never), 'getOldest()', 'the number 42', "getOldest('HtmlResponse')", 'getOldest(HtmlResponse)');
    await expectTrackrefError(() => iterAll({} as never), 'iterAll()', 'a plain object', "iterAll('HtmlResponse')");
  });

  test('formatLiveRefs with an unknown option or a bad ignore', async () => {
    await expectTrackrefError(() => formatLiveRefs({ ignroe: HtmlResponse } as never), "'ignroe'", /ignore/);
    await expectTrackrefError(() => formatLiveRefs({ ignore: 7 as never }), 'the number 7', /Pass a class/);
  });
});

describe('withTrackref (trackref/vitest/config)', () => {
  // The path withTrackref adds: where the package's own `trackref/vitest` entry resolves.
  const setupPath = fileURLToPath(import.meta.resolve('trackref/vitest'));

  test.each([
    ['a number', 42, 'the number 42'],
    ['a string', 'vitest.config.ts', 'the string "vitest.config.ts"'],
    ['null', null, 'null'],
    ['an array', [], 'an array'],
  ])('given %s: says to pass the config object', async (_what, value, described) => {
    await expectTrackrefError(() => withTrackref(value as never), 'withTrackref()', described, /Pass the object you would give defineConfig/);
  });

  test('adds the setup file first and keeps the user config', () => {
    const user = { test: { pool: 'forks', setupFiles: ['./my-setup.ts'] }, root: '/project' };
    const config = withTrackref(user);
    expect(config).toEqual({ root: '/project', test: { pool: 'forks', setupFiles: [setupPath, './my-setup.ts'] } });
    // The user's object is not modified.
    expect(user.test.setupFiles).toEqual(['./my-setup.ts']);
  });

  test('accepts a single setup file string, no test section, or no config at all', () => {
    expect(withTrackref({ test: { setupFiles: './one.ts' } }).test?.setupFiles).toEqual([setupPath, './one.ts']);
    expect(withTrackref({} as { test?: { setupFiles?: string[] } }).test?.setupFiles).toEqual([setupPath]);
    expect(withTrackref<{ test?: { setupFiles?: string[] } }>().test?.setupFiles).toEqual([setupPath]);
  });

  test('is idempotent', () => {
    expect(withTrackref(withTrackref({ test: { setupFiles: ['./a.ts'] } })).test?.setupFiles).toEqual([setupPath, './a.ts']);
    // Already named by the user, in either form: not added twice.
    expect(withTrackref({ test: { setupFiles: ['./a.ts', 'trackref/vitest'] } }).test?.setupFiles).toEqual(['./a.ts', 'trackref/vitest']);
    expect(withTrackref({ test: { setupFiles: ['./a.ts', setupPath] } }).test?.setupFiles).toEqual(['./a.ts', setupPath]);
  });
});
