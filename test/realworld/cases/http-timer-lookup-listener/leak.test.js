// szmarczak/http-timer#1: request timings through a keep-alive agent to an IP address. The pooled
// socket never emits 'lookup', so on 1.0.2 every request leaves a 'lookup' listener on it that holds
// the request's timings object.
const http = require('node:http');
const { track } = require('trackref');
const timer = require('@szmarczak/http-timer');

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
let server;
let origin;

beforeAll(async () => {
  server = http.createServer((req, res) => res.end(`<html>${req.url}</html>`));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
});

afterAll(async () => {
  agent.destroy();
  await new Promise((resolve) => server.close(resolve));
});

function get(path) {
  return new Promise((resolve, reject) => {
    const request = http.get(`${origin}${path}`, { agent }, (response) => {
      response.resume();
      response.on('end', () => resolve(timings.phases.total));
    });
    const timings = track(timer(request)); // the timings we report per page
    request.on('error', reject);
  });
}

test('request timings are freed after the response', async () => {
  let n = 0;
  await expect(() => get(`/page/${n++}`)).not.toLeak();
});
