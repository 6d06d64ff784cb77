// Plain-Node reproduction (node --expose-gc repro.cjs): exit 1 when pages stay alive, 0 when not.
const { getEventListeners } = require('node:events');

class Page {
  constructor(url) {
    this.url = url;
  }
}

const stop = new AbortController();

async function crawlBatch(pMap, base, refs) {
  const pages = await pMap([`${base}/a`, `${base}/b`, `${base}/c`], async (url) => new Page(url), { concurrency: 2, signal: stop.signal });
  for (const page of pages) refs.push(new WeakRef(page));
}

async function main() {
  const { default: pMap } = await import('p-map');
  const refs = [];
  for (let i = 0; i < 10; i++) await crawlBatch(pMap, `http://127.0.0.1/batch/${i}`, refs);
  for (let i = 0; i < 3; i++) {
    global.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const alive = refs.filter((ref) => ref.deref() !== undefined).length;
  const version = JSON.parse(require('node:fs').readFileSync(require('node:path').join(__dirname, 'node_modules/p-map/package.json'), 'utf8')).version;
  console.log(`p-map@${version}: ${alive} of ${refs.length} pages alive after gc; abort listeners on the stop signal: ${getEventListeners(stop.signal, 'abort').length}`);
  process.exit(alive > 1 ? 1 : 0); // one survivor may be the last call's, held by a cache slot or a frame; more is growth
}
main();
