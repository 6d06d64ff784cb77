// Plain-Node reproduction (node --expose-gc repro.cjs [path-to-needle]): exit 1 when requests stay alive.
const http = require('node:http');
const needle = require(process.argv[2] || 'needle');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const server = http.createServer((req, res) => res.end(`<html>${req.url}</html>`));
const refs = [];
const orig = http.request;
http.request = function (...args) { const req = orig.apply(this, args); refs.push(new WeakRef(req)); return req; };
server.listen(0, '127.0.0.1', async () => {
  const base = `http://127.0.0.1:${server.address().port}`;
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve, reject) => needle.get(`${base}/page/${i}`, { agent }, (err) => (err ? reject(err) : resolve())));
  }
  await new Promise((r) => setTimeout(r, 100));
  for (let i = 0; i < 3; i++) { global.gc(); await new Promise((r) => setImmediate(r)); }
  const alive = refs.filter((r) => r.deref() !== undefined).length;
  const sock = Object.values(agent.freeSockets)[0][0];
  console.log(`${alive} of ${refs.length} requests alive; pooled socket 'end' listeners: ${sock.listenerCount('end')}`);
  agent.destroy(); server.close();
  process.exitCode = alive > 1 ? 1 : 0;
});
