// The trackref demo, after Scrapy's "Debugging memory leaks" page: crawl a local shop with a good and
// a leaky spider at once, watch `prefs()` every second, find the leaking spider with `getOldest`, then
// run the example Jest and Vitest suites with TRACKREF_DEMO=1 and check the leak test fails as designed.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { collectGarbage, getOldest, iterAll, prefs, startConsole } from 'trackref';
import { Crawler, ExampleSpider, HtmlResponse, SomenastySpider, Spider, start } from './index';

export interface CrawlDemoResult {
  /** Name of the spider the oldest live HtmlResponse belongs to. */
  leakingSpider: string | undefined;
  oldestUrl: string | undefined;
  /** Live HtmlResponses per spider name after the crawl and a garbage collection. */
  liveResponses: Record<string, number>;
}

/** Calls `tick` every `ms` until the returned stop() (which waits for a running tick) is called. */
function every(ms: number, tick: (n: number) => Promise<void>): () => Promise<void> {
  let n = 0;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const schedule = (): void => {
    if (!stopped) {
      timer = setTimeout(() => {
        running = tick(++n).then(schedule);
      }, ms);
    }
  };
  schedule();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  };
}

/** Part 1: a continuous crawl with both spiders, then the trackref detective work. */
export async function crawlDemo(seconds: number): Promise<CrawlDemoResult> {
  const server = await start({ products: 5000, categories: 25, delayMs: 10 });
  try {
    const spiders: Spider[] = [
      new ExampleSpider({ baseUrl: `${server.url}/example/` }),
      new SomenastySpider({ baseUrl: `${server.url}/somenasty/` }),
    ];
    let items = 0;
    const crawler = new Crawler({ timeLimitMs: seconds * 1000, concurrency: 4, onItem: () => void items++ });
    console.log(`Crawling ${server.url} with ${spiders.map((s) => s.name).join(' and ')} for ${seconds}s.\n`);

    // The live console (Scrapy's telnet console): log in while the crawl runs; the password is logged just above.
    const liveConsole = await startConsole({
      port: Number(process.env['TRACKREF_CONSOLE_PORT'] ?? 0),
      scope: { crawler, spiders, Spider, HtmlResponse, SomenastySpider },
    });
    console.log(
      `Live console: telnet ${liveConsole.host} ${liveConsole.port} (username '${liveConsole.username}'); ` +
        "try prefs(), getOldest('HtmlResponse').url, est(), heap().bytype. Run with --seconds=120 to have time to look around.\n",
    );

    const stopTicking = every(1000, async (n) => {
      await collectGarbage(); // so prefs() counts only what is still referenced
      console.log(`--- ${n}s: ${items} items scraped ---`);
      prefs();
    });
    const results = await crawler.crawl(...spiders).finally(() => Promise.all([stopTicking(), liveConsole.close()]));

    console.log('--- crawl finished ---');
    for (const { stats } of results) {
      console.log(
        `${stats.spider.padEnd(16)} ${stats.responses} pages, ${stats.items} items, ` +
          `${stats.pending} requests still queued (${stats.stopReason})`,
      );
    }
    await collectGarbage();
    console.log("\nAfter the crawl (and a garbage collection), ignoring spiders:\n\n>>> prefs({ ignore: Spider })");
    prefs({ ignore: Spider });

    const oldest = getOldest(HtmlResponse);
    console.log(">>> getOldest('HtmlResponse').url");
    console.log(oldest === undefined ? 'undefined' : `'${oldest.url}'`);

    const liveResponses: Record<string, number> = Object.fromEntries(spiders.map((s) => [s.name, 0]));
    const sample: string[] = [];
    for (const response of iterAll(HtmlResponse)) {
      const owner = spiders.find((s) => s.allows(response.url));
      if (owner !== undefined) liveResponses[owner.name]! += 1;
      if (sample.length < 3) sample.push(`'${response.url}'`);
    }
    console.log(">>> [...iterAll('HtmlResponse')].map((r) => r.url)");
    console.log(sample.length === 0 ? '[]' : `[${sample.join(',\n ')},\n ...]`);
    console.log(
      `\nLive HtmlResponses per spider: ${Object.entries(liveResponses)
        .map(([name, count]) => `${name} ${count}`)
        .join(', ')}`,
    );

    const leaking = oldest === undefined ? undefined : spiders.find((s) => s.allows(oldest.url));
    console.log(
      leaking === undefined
        ? 'No live HtmlResponse left: nothing is leaking.'
        : `The oldest live HtmlResponse comes from ${leaking.name}: that is the leaking spider ` +
            `(SomenastySpider.history holds ${SomenastySpider.history.length} requests, each with meta.referer = a response).`,
    );
    return { leakingSpider: leaking?.name, oldestUrl: oldest?.url, liveResponses };
  } finally {
    await server.close();
  }
}

export type Runner = 'jest' | 'vitest';

export interface SuiteOutcome {
  runner: Runner;
  exitCode: number | null;
  /** True when the leak test failed with a leak report and every other test passed. */
  ok: boolean;
  problems: string[];
}

interface AssertionResult {
  title: string;
  fullName?: string;
  status: string;
  failureMessages?: string[];
}

/** The repository root: the nearest directory at or above `from` (or the cwd) whose package.json is trackref's. */
export function repoRoot(from = __dirname): string {
  for (const start of [from, process.cwd()]) {
    for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
      const pkg = path.join(dir, 'package.json');
      if (fs.existsSync(pkg) && (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'trackref') {
        return dir;
      }
      if (path.dirname(dir) === dir) break;
    }
  }
  throw new Error(`no trackref package.json at or above ${from} or ${process.cwd()}`);
}

const LEAK_TEST = /expected to fail/;
const GOOD_TEST = /^does not leak HtmlResponse$/;
const ANSI = /\u001b\[[0-9;]*m/g;

/** Runs one example suite with TRACKREF_DEMO=1 (output shown as it comes) and judges its JSON results. */
export async function runSuite(runner: Runner, root = repoRoot()): Promise<SuiteOutcome> {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'trackref-demo-'));
  const jsonFile = path.join(outDir, `${runner}.json`);
  const args =
    runner === 'jest'
      ? [path.join(root, 'node_modules/jest/bin/jest.js'), '--config', 'examples/spiders/jest.config.cjs', '--json', '--outputFile', jsonFile]
      : [
          path.join(root, 'node_modules/vitest/vitest.mjs'),
          'run',
          '--config',
          'examples/spiders/vitest.config.mts',
          '--reporter=default',
          '--reporter=json',
          `--outputFile.json=${jsonFile}`,
        ];
  console.log(`\n$ TRACKREF_DEMO=1 node ${path.relative(root, args[0]!)} ${args.slice(1, 4).join(' ')}\n`);
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, TRACKREF_DEMO: '1' }, stdio: 'inherit' });
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });

  const problems: string[] = [];
  let tests: AssertionResult[] = [];
  try {
    const results = JSON.parse(fs.readFileSync(jsonFile, 'utf8')) as { testResults: { assertionResults: AssertionResult[] }[] };
    tests = results.testResults.flatMap((file) => file.assertionResults);
  } catch (error) {
    problems.push(`no JSON results from ${runner}: ${(error as Error).message}`);
  } finally {
    fs.rmSync(outDir, { recursive: true, force: true });
  }
  const leakTest = tests.find((t) => LEAK_TEST.test(t.title));
  const goodTest = tests.find((t) => GOOD_TEST.test(t.title));
  if (leakTest === undefined) {
    problems.push('the SomenastySpider leak test did not run');
  } else {
    const message = (leakTest.failureMessages ?? []).join('\n').replace(ANSI, '');
    if (leakTest.status !== 'failed') {
      problems.push(`the SomenastySpider leak test ${leakTest.status} instead of failing`);
    } else if (!/toLeak/.test(message) || !/HtmlResponse/.test(message) || !/\+\d+/.test(message)) {
      problems.push(`the SomenastySpider leak test failed without a leak report:\n${message.slice(0, 500)}`);
    }
  }
  if (goodTest?.status !== 'passed') {
    problems.push(`the ExampleSpider test did not pass (${goodTest?.status ?? 'not found'})`);
  }
  for (const t of tests) {
    if (t !== leakTest && t.status !== 'passed') {
      problems.push(`unexpected ${t.status}: ${t.fullName ?? t.title}`);
    }
  }
  if (exitCode === 0) {
    problems.push(`${runner} exited 0 although a test must fail`);
  }
  return { runner, exitCode, ok: problems.length === 0, problems };
}

/** Part 2: both example suites, each of which must fail exactly its SomenastySpider leak test. */
export async function runSuites(root = repoRoot()): Promise<SuiteOutcome[]> {
  const outcomes: SuiteOutcome[] = [];
  for (const runner of ['jest', 'vitest'] as const) {
    outcomes.push(await runSuite(runner, root));
  }
  return outcomes;
}

async function main(argv: string[]): Promise<number> {
  const secondsArg = argv.find((a) => a.startsWith('--seconds='));
  const seconds = secondsArg === undefined ? 5 : Number(secondsArg.slice('--seconds='.length));
  const failures: string[] = [];

  const found = await crawlDemo(seconds > 0 ? seconds : 5);
  if (found.leakingSpider !== 'SomenastySpider') {
    failures.push(`crawl: the oldest HtmlResponse pointed at ${found.leakingSpider ?? 'no spider'}, not SomenastySpider`);
  }
  if ((found.liveResponses['ExampleSpider'] ?? 0) > 0) {
    failures.push(`crawl: ${found.liveResponses['ExampleSpider']} ExampleSpider responses survived`);
  }

  if (!argv.includes('--skip-suites')) {
    for (const outcome of await runSuites()) {
      console.log(
        `\n${outcome.runner}: ${outcome.ok ? 'as expected, the leak test failed with a leak report and the rest passed' : 'NOT as expected'} (exit code ${outcome.exitCode})`,
      );
      failures.push(...outcome.problems.map((p) => `${outcome.runner}: ${p}`));
    }
  }

  console.log(failures.length === 0 ? '\nDemo OK: SomenastySpider is the leaking spider.' : `\nDemo FAILED:\n- ${failures.join('\n- ')}`);
  return failures.length === 0 ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
