// How to use trackref with Vitest: leak assertions on two spiders crawling a local shop.
// ExampleSpider passes `not.toLeak(HtmlResponse)`; SomenastySpider, which keeps responses alive through
// `request.meta.referer`, is caught by `toLeak`, `checkLeaks`, `getOldest`, `iterAll` and `formatLiveRefs`.
// The setup file adds `toLeak` at run time; this line gives tsc and editors its type.
/// <reference types="trackref/vitest" />
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { checkLeaks, collectGarbage, formatLiveRefs, getOldest, iterAll } from 'trackref';
import {
  ExampleSpider,
  HtmlResponse,
  Request,
  RunningServer,
  Selector,
  SomenastySpider,
  Spider,
  crawl,
  start,
} from '../index';

/** The test that fails on purpose only runs for the demo: `TRACKREF_DEMO=1 npx vitest run ...`. */
const demoTest = test.runIf(process.env.TRACKREF_DEMO === '1');
const PAGES = 30;

let server: RunningServer;
beforeAll(async () => {
  server = await start({ products: 300 });
});
afterAll(async () => {
  SomenastySpider.forget();
  await server.close();
});

const crawlExample = () => crawl(new ExampleSpider({ baseUrl: `${server.url}/example/` }), { maxPages: PAGES });
const crawlNasty = () => crawl(new SomenastySpider({ baseUrl: `${server.url}/somenasty/` }), { maxPages: PAGES });

describe('ExampleSpider (keeps only URLs in meta)', () => {
  test('crawls the shop and scrapes products', async () => {
    const { stats, items } = await crawlExample();
    expect(stats.responses).toBe(PAGES);
    expect(stats.errors).toBe(0);
    expect(items.length).toBeGreaterThan(0);
    expect(items[0]!.fields).toMatchObject({ title: expect.stringMatching(/#\d+$/), price: expect.stringMatching(/^\$\d+\.\d\d$/) });
  });

  test('does not leak HtmlResponse', async () => {
    await expect(() => crawlExample()).not.toLeak(HtmlResponse);
  });

  test('does not leak requests, responses or selectors over three runs', async () => {
    await expect(crawlExample).not.toLeak([Request, HtmlResponse, Selector], { runs: 3 });
  });

  test('does not leak any tracked class', async () => {
    await expect(crawlExample).not.toLeak();
  });
});

describe('SomenastySpider (passes the response in meta)', () => {
  afterEach(() => SomenastySpider.forget());

  demoTest('SomenastySpider leaks HtmlResponse (expected to fail: this is the demo)', async () => {
    await expect(() => crawlNasty()).not.toLeak(HtmlResponse);
  });

  test('toLeak catches the leak', async () => {
    await expect(() => crawlNasty()).toLeak(HtmlResponse);
  });

  test('checkLeaks returns the report the matcher prints', async () => {
    const report = await checkLeaks(crawlNasty, HtmlResponse);
    expect(report.leaked).toBe(true);
    expect(report.format()).toContain('HtmlResponse');
  });

  test('getOldest and iterAll tell which spider is leaking', async () => {
    await crawlExample();
    await crawlNasty();
    await collectGarbage(); // drop ExampleSpider's responses, which nothing holds any more

    const oldest = getOldest(HtmlResponse);
    expect(oldest?.url).toBe(`${server.url}/somenasty/`);

    const urls = [...iterAll<HtmlResponse>('HtmlResponse')].map((r) => r.url);
    expect(urls.length).toBeGreaterThan(0);
    expect(urls.every((url) => url.includes('/somenasty/'))).toBe(true);
    // ...and the reference holding them: each logged request's meta.referer
    const referers = new Set(SomenastySpider.history.map((r) => r.meta['referer']));
    expect([...iterAll(HtmlResponse)].every((response) => referers.has(response))).toBe(true);
  });

  test('formatLiveRefs shows the live references table', async () => {
    await crawlNasty();
    await collectGarbage(); // count only what is still referenced
    const table = formatLiveRefs({ ignore: Spider });
    console.log(table);
    expect(table).toMatch(/^Live References\n/);
    const row = /^HtmlResponse\s+(\d+)\s+oldest: \d+s ago$/m.exec(table);
    expect(Number(row?.[1])).toBeGreaterThanOrEqual(PAGES);
    expect(table).not.toContain('SomenastySpider');
  });
});
