// sindresorhus/timed-out#9: a crawler fetches pages through one keep-alive agent and guards each
// request with timed-out. timed-out 3.1.0 adds a 'connect' listener to the request's socket every
// time; a pooled socket is already connected and never emits 'connect' again, so each request's
// listener (and through its closure the ClientRequest) stays on the pooled socket.
const http = require('node:http');
const timedOut = require('timed-out');

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

function fetchPage(path) {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}${path}`, { agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve(body));
    });
    timedOut(req, { connect: 2000, socket: 5000 });
    req.on('error', reject);
  });
}

// 30 s: each request is also held by timed-out's 2 s connect timer, which the check waits for before
// judging (with the 5 s default, a busy machine leaves it no time, and the check says so).
test('requests on a pooled socket do not outlive their page', async () => {
  let n = 0;
  await expect(() => fetchPage(`/page/${n++}`)).not.toLeak(http.ClientRequest);
}, 30_000);
