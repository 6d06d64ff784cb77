// Plain-Node reproduction (node --expose-gc repro.cjs): exit 1 when pages stay alive, 0 when not.
const { getEventListeners } = require('node:events');

class Page {
  constructor(url) {
    this.url = url;
  }
}

const stop = new AbortController();

async function crawl(queue, url, refs) {
  const page = await queue.add(async () => {
    await new Promise((resolve) => setImmediate(resolve));
    return new Page(url);
  }, { signal: stop.signal });
  refs.push(new WeakRef(page));
}

async function main() {
  const { default: PQueue } = await import('p-queue');
  const queue = new PQueue({ concurrency: 2 });
  const refs = [];
  for (let i = 0; i < 20; i++) await crawl(queue, `http://127.0.0.1/page/${i}`, refs);
  for (let i = 0; i < 3; i++) {
    global.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const alive = refs.filter((ref) => ref.deref() !== undefined).length;
  const version = JSON.parse(require('node:fs').readFileSync(require('node:path').join(__dirname, 'node_modules/p-queue/package.json'), 'utf8')).version;
  console.log(`p-queue@${version}: ${alive} of ${refs.length} pages alive after gc; abort listeners on the stop signal: ${getEventListeners(stop.signal, 'abort').length}`);
  process.exit(alive > 1 ? 1 : 0); // one survivor may be the last call's, held by a cache slot or a frame; more is growth
}
main();
