// Plain-Node reproduction (node --expose-gc repro.cjs): exit 1 when pages stay alive, 0 when not.
const { getEventListeners } = require('node:events');

class Page {
  constructor(url) {
    this.url = url;
  }
}

const stop = new AbortController();

async function crawlPage(pTimeout, url, refs) {
  const page = await pTimeout(
    new Promise((resolve) => setImmediate(() => resolve(new Page(url)))),
    { milliseconds: 5000, signal: stop.signal },
  );
  refs.push(new WeakRef(page));
}

async function main() {
  const { default: pTimeout } = await import('p-timeout');
  const refs = [];
  for (let i = 0; i < 20; i++) await crawlPage(pTimeout, `http://127.0.0.1/page/${i}`, refs);
  for (let i = 0; i < 3; i++) {
    global.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const alive = refs.filter((ref) => ref.deref() !== undefined).length;
  console.log(`p-timeout@${JSON.parse(require('node:fs').readFileSync(require('node:path').join(__dirname, 'node_modules/p-timeout/package.json'), 'utf8')).version}: ${alive} of ${refs.length} pages alive after gc; abort listeners on the stop signal: ${getEventListeners(stop.signal, 'abort').length}`);
  process.exit(alive > 1 ? 1 : 0); // one survivor may be the last call's, held by a cache slot or a frame; more is growth
}
main();
