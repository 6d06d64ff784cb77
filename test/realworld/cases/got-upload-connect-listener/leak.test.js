// sindresorhus/got#399: a crawler using got with a keep-alive agent. got 8.2.0 adds a 'connect'
// listener to the request's socket for every request (for upload progress); a pooled socket is
// already connected and never emits 'connect' again, so the listeners pile up on it, each keeping
// its ClientRequest alive.
const http = require('node:http');
const got = require('got');

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
let server;
let base;

beforeAll(async () => {
  server = http.createServer((req, res) => res.end(`<html>${req.url}</html>`));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}`;
});

afterAll(async () => {
  agent.destroy();
  await new Promise((resolve) => server.close(resolve));
});

async function crawlPage(n) {
  const { body } = await got(`${base}/page/${n}`, { agent, retries: 0 });
  return body.length;
}

test('requests on a pooled socket do not outlive their page', async () => {
  let n = 0;
  await expect(() => crawlPage(n++)).not.toLeak(http.ClientRequest);
});
