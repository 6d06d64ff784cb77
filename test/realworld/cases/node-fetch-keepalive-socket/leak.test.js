// node-fetch/node-fetch#1446: fetching pages through a keep-alive agent. node-fetch 3.2.4 leaves a
// 'close' and a 'data' listener on the pooled socket for every request; they keep each request's
// Response alive for as long as the socket lives.
const http = require('node:http');
const { track } = require('trackref');

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
let server;
let origin;
let fetch;

beforeAll(async () => {
  ({ default: fetch } = await import('node-fetch')); // ESM-only package
  server = http.createServer((req, res) => {
    res.setHeader('content-type', 'text/html');
    res.write('<html>');
    res.end(`${req.url}</html>`); // chunked transfer encoding
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
});

afterAll(async () => {
  agent.destroy();
  await new Promise((resolve) => server.close(resolve));
});

async function getPage(path) {
  const response = track(await fetch(`${origin}${path}`, { agent }));
  const html = await response.text();
  return html.length;
}

test('responses are freed once read', async () => {
  let n = 0;
  await expect(() => getPage(`/page/${n++}`)).not.toLeak();
});
