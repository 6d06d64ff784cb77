// Plain-Node reproduction (node --expose-gc repro.cjs): exit 1 when responses stay alive, 0 when not.
const http = require('node:http');

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

async function getPage(fetch, url, refs) {
  const response = await fetch(url, { agent });
  refs.push(new WeakRef(response));
  await response.text();
}

async function main() {
  const { default: fetch } = await import('node-fetch');
  const server = http.createServer((req, res) => {
    res.write('<html>');
    res.end(`${req.url}</html>`);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const refs = [];
  for (let i = 0; i < 20; i++) await getPage(fetch, `http://127.0.0.1:${server.address().port}/page/${i}`, refs);
  for (let i = 0; i < 3; i++) {
    global.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const alive = refs.filter((ref) => ref.deref() !== undefined).length;
  const socket = Object.values(agent.freeSockets)[0]?.[0];
  const version = JSON.parse(require('node:fs').readFileSync(require('node:path').join(__dirname, 'node_modules/node-fetch/package.json'), 'utf8')).version;
  console.log(`node-fetch@${version}: ${alive} of ${refs.length} responses alive after gc; listeners on the pooled socket: 'data' ${socket ? socket.listenerCount('data') : '-'}, 'close' ${socket ? socket.listenerCount('close') : '-'}`);
  agent.destroy();
  server.close();
  process.exit(alive > 1 ? 1 : 0); // one survivor may be the last call's, held by a cache slot or a frame; more is growth
}
main();
