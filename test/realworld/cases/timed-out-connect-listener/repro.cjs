// Plain-Node reproduction (node --expose-gc repro.cjs [path-to-timed-out]): exit 1 when requests stay alive.
const http = require('node:http');
const timedOut = require(process.argv[2] || 'timed-out');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const server = http.createServer((req, res) => res.end(`<html>${req.url}</html>`));
server.listen(0, '127.0.0.1', async () => {
  const base = `http://127.0.0.1:${server.address().port}`;
  const refs = [];
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve, reject) => {
      const req = http.get(`${base}/page/${i}`, { agent }, (res) => { res.resume(); res.on('end', resolve); });
      timedOut(req, { connect: 2000, socket: 5000 });
      req.on('error', reject);
      refs.push(new WeakRef(req));
    });
  }
  await new Promise((r) => setTimeout(r, 2500)); // timed-out's 2 s connect timer holds each request until it fires
  for (let i = 0; i < 3; i++) { global.gc(); await new Promise((r) => setImmediate(r)); }
  const alive = refs.filter((r) => r.deref() !== undefined).length;
  const sock = Object.values(agent.freeSockets)[0][0];
  console.log(`${alive} of ${refs.length} requests alive; pooled socket listeners: connect=${sock.listenerCount('connect')} timeout=${sock.listenerCount('timeout')}`);
  agent.destroy(); server.close();
  process.exitCode = alive > 1 ? 1 : 0;
});
