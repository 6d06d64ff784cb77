// Plain-Node reproduction (node --expose-gc repro.cjs [path-to-got]): exit 1 when requests stay alive.
const http = require('node:http');
const got = require(process.argv[2] || 'got');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const server = http.createServer((req, res) => res.end(`<html>${req.url}</html>`));
const refs = [];
server.listen(0, '127.0.0.1', async () => {
  const base = `http://127.0.0.1:${server.address().port}`;
  for (let i = 0; i < 20; i++) {
    const res = await got(`${base}/page/${i}`, { agent, retries: 0 });
    refs.push(new WeakRef(res.req || res));
  }
  await new Promise((r) => setTimeout(r, 100));
  for (let i = 0; i < 3; i++) { global.gc(); await new Promise((r) => setImmediate(r)); }
  const alive = refs.filter((r) => r.deref() !== undefined).length;
  const sock = Object.values(agent.freeSockets)[0][0];
  console.log(`${alive} of ${refs.length} alive; pooled socket listeners: timeout=${sock.listenerCount('timeout')} connect=${sock.listenerCount('connect')} end=${sock.listenerCount('end')} error=${sock.listenerCount('error')}`);
  agent.destroy(); server.close();
  process.exitCode = alive > 1 ? 1 : 0;
});
