// tomas/needle#161: a crawler using needle with a keep-alive agent. needle 1.0.0 adds an 'end'
// listener to the socket for every request and never manages to remove it; on a reused socket the
// listeners pile up, each keeping its ClientRequest alive.
const http = require('node:http');
const needle = require('needle');

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
    needle.get(url, { agent }, (err, res, body) => {
      if (err) return reject(err);
      resolve(String(body).length);
    });
  });
}

test('pages fetched on a pooled socket do not outlive their request', async () => {
  let n = 0;
  await expect(() => fetchPage(`${base}/page/${n++}`)).not.toLeak(http.ClientRequest);
});
