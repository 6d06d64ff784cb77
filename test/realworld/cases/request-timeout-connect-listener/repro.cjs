// Plain-Node reproduction (node --expose-gc repro.cjs [path-to-request]): exit 1 when requests stay alive.
const http = require('node:http');
const request = require(process.argv[2] || 'request');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const server = http.createServer((req, res) => res.end(`<html>${req.url}</html>`));
server.listen(0, '127.0.0.1', async () => {
  const base = `http://127.0.0.1:${server.address().port}`;
  const refs = [];
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve, reject) => {
      const r = request({ url: `${base}/page/${i}`, agent, timeout: 5000 }, (err) => (err ? reject(err) : resolve()));
      refs.push(new WeakRef(r));
    });
  }
  for (let i = 0; i < 3; i++) { global.gc(); await new Promise((r) => setImmediate(r)); }
  const alive = refs.filter((r) => r.deref() !== undefined).length;
  const sock = Object.values(agent.freeSockets)[0][0];
  console.log(`${alive} of ${refs.length} requests alive; pooled socket 'connect' listeners: ${sock.listenerCount('connect')}`);
  agent.destroy(); server.close();
  process.exitCode = alive > 1 ? 1 : 0;
});
