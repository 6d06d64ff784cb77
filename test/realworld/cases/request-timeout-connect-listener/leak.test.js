// request/request#2438: a crawler using request with a keep-alive agent and a timeout. request
// 2.76.0 adds a 'connect' listener to the socket for every request with a timeout; a pooled socket is
// already connected and never emits 'connect' again, so the listeners pile up on it, each keeping
// its Request alive.
const http = require('node:http');
const request = require('request');

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

function fetchPage(url) {
  return new Promise((resolve, reject) => {
    request({ url, agent, timeout: 5000 }, (err, res, body) => (err ? reject(err) : resolve(body.length)));
  });
}

test('requests on a pooled socket do not outlive their page', async () => {
  let n = 0;
  await expect(() => fetchPage(`${base}/page/${n++}`)).not.toLeak(request.Request);
});
