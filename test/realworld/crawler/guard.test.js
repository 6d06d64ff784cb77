// The per-test leak guard on a crawlee crawl: each test tracks the Request of every page it crawls;
// the guard must fail only the test that keeps its crawling contexts.
const http = require('node:http');
const { track } = require('trackref');
const { startSite, pageCount } = require('./site');
const { crawl } = require('./crawler');

let site;
const keptContexts = [];

beforeAll(async () => {
  site = await startSite();
});

afterAll(async () => {
  await site.close();
});

test('guarded clean crawl', async () => {
  expect(await crawl(site.origin, (context) => track(context.request))).toBe(pageCount);
}, 30000);

test('guarded crawl that keeps its contexts (expected to fail by the guard)', async () => {
  expect(await crawl(site.origin, (context) => keptContexts.push(track(context.request) && context))).toBe(pageCount);
}, 30000);

test('guarded clean crawl after the leaky one', async () => {
  expect(await crawl(site.origin, (context) => track(context.request))).toBe(pageCount);
}, 30000);

// The same clean crawl with sockets that are not pooled: an idle keep-alive socket keeps the async
// context it was opened in (its AsyncLocalStorage store), and with it the crawling context, until
// it times out (4 s); without pooling only the request queue's validator keeps one request (its last
// value, a library's slot of one value that the guard does not count).
test('guarded clean crawl without keep-alive sockets', async () => {
  const agent = new http.Agent({ keepAlive: false });
  expect(await crawl(site.origin, (context) => track(context.request), { agent })).toBe(pageCount);
}, 30000);
