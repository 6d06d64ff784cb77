// axios/axios#3001 (and #1181): a crawler gives every request the same CancelToken, to cancel the
// whole crawl at once. axios 0.21.4's http adapter subscribes each request with
// token.promise.then(onCanceled) and cannot unsubscribe it, so while the token is not cancelled its
// promise never settles and keeps every finished request, its response and the response's data.
// 0.22.0 (axios#3305) subscribes through token.subscribe() and unsubscribes when the request ends.
const http = require('node:http');
const { ObjectRef } = require('trackref');
const axios = require('axios');

class Page extends ObjectRef {
  constructor(body) {
    super();
    this.url = body.url;
    this.links = body.links;
  }
}

const stop = axios.CancelToken.source(); // cancels the whole crawl; never called in this test
let server;
let client;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ url: req.url, links: [`${req.url}/next`] }));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  client = axios.create({
    baseURL: `http://127.0.0.1:${server.address().port}`,
    cancelToken: stop.token,
    transformResponse: [(body) => new Page(JSON.parse(body))],
  });
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

let n = 0;
async function crawlPage() {
  const { data: page } = await client.get(`/page/${n++}`);
  return page.links.length;
}

test('finished requests release their pages', async () => {
  await expect(crawlPage).not.toLeak(Page);
});
