// crawlee's BasicCrawler against a local site: clean crawls must not leak crawlee's Request objects
// (default options), and a crawl that keeps its crawling contexts must fail and name them.
const { Request } = require('@crawlee/basic');
const { startSite, pageCount } = require('./site');
const { crawl } = require('./crawler');

let site;
const keptContexts = []; // module-level: what a careless requestHandler might keep

beforeAll(async () => {
  site = await startSite();
});

afterAll(async () => {
  await site.close();
});

test('a crawl visits every page', async () => {
  expect(await crawl(site.origin)).toBe(pageCount);
}, 30000);

test('a clean crawl does not leak requests', async () => {
  await expect(() => crawl(site.origin)).not.toLeak(Request);
}, 30000);

test('a clean crawl that reads every context does not leak requests', async () => {
  const urls = [];
  await expect(() => crawl(site.origin, (context) => urls.push(context.request.url.length))).not.toLeak(Request);
}, 30000);

test('a crawl that keeps its contexts leaks requests (expected to fail)', async () => {
  await expect(() => crawl(site.origin, (context) => keptContexts.push(context))).not.toLeak(Request);
}, 30000);
