// Plain-Node reproduction (node --expose-gc repro.cjs): exit 1 when timings stay alive, 0 when not.
const http = require('node:http');
const timer = require('@szmarczak/http-timer');

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function get(url, refs) {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent }, (response) => {
      response.resume();
      response.on('end', resolve);
    });
    refs.push(new WeakRef(timer(request)));
    request.on('error', reject);
  });
}

async function main() {
  const server = http.createServer((req, res) => res.end('ok'));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const refs = [];
  for (let i = 0; i < 20; i++) await get(`http://127.0.0.1:${server.address().port}/page/${i}`, refs);
  for (let i = 0; i < 3; i++) {
    global.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const alive = refs.filter((ref) => ref.deref() !== undefined).length;
  const socket = Object.values(agent.freeSockets)[0]?.[0];
  const version = JSON.parse(require('node:fs').readFileSync(require.resolve('@szmarczak/http-timer/package.json'), 'utf8')).version;
  console.log(`@szmarczak/http-timer@${version}: ${alive} of ${refs.length} timings alive after gc; 'lookup' listeners on the pooled socket: ${socket ? socket.listenerCount('lookup') : 'no socket'}`);
  agent.destroy();
  server.close();
  process.exit(alive > 1 ? 1 : 0); // one survivor may be the last call's, held by a cache slot or a frame; more is growth
}
main();
