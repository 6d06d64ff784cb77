// Plain-Node reproduction (node --expose-gc repro.cjs): exit 1 when the pages of finished requests stay alive, 0 when not.
// One CancelToken shared by every request (cancelled only if the crawl is stopped): axios 0.21.4 adds
// a reaction to the token's promise per request and never removes it, so every response stays reachable.
const http = require('node:http');
const axios = require('axios');

class Page {
  constructor(body) {
    this.body = body;
  }
}

const server = http.createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ url: req.url, links: [`${req.url}/next`] }));
});

const stop = axios.CancelToken.source(); // cancels the whole crawl; never called here

async function main() {
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = axios.create({
    baseURL: `http://127.0.0.1:${server.address().port}`,
    cancelToken: stop.token,
    transformResponse: [(body) => new Page(JSON.parse(body))],
  });
  const refs = [];
  for (let i = 0; i < 8; i++) {
    const response = await client.get(`/page/${i}`);
    refs.push(new WeakRef(response.data));
  }
  for (let i = 0; i < 3; i++) {
    global.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const alive = refs.filter((ref) => ref.deref() !== undefined).length;
  console.log(`axios@${require('axios/package.json').version}: ${alive} of ${refs.length} pages alive after gc`);
  server.close();
  server.closeAllConnections();
  process.exit(alive > 1 ? 1 : 0); // one survivor may be the last call's, held by a cache slot or a frame; more is growth
}
main();
