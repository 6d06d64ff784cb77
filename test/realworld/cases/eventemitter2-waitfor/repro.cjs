// Plain-Node reproduction (node --expose-gc repro.cjs): exit 1 when pages stay alive, 0 when not.
const { EventEmitter2 } = require('eventemitter2');

class Page {
  constructor(url) {
    this.url = url;
  }
}

const bus = new EventEmitter2();
bus.setMaxListeners(0);

async function crawl(url, refs) {
  const page = new Page(url);
  refs.push(new WeakRef(page));
  const parsed = bus.waitFor('parsed', { filter: (parsedPage) => parsedPage === page });
  setImmediate(() => bus.emit('parsed', page));
  await parsed;
}

async function main() {
  const refs = [];
  for (let i = 0; i < 20; i++) await crawl(`http://127.0.0.1/page/${i}`, refs);
  for (let i = 0; i < 3; i++) {
    global.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const alive = refs.filter((ref) => ref.deref() !== undefined).length;
  console.log(`eventemitter2@${require('eventemitter2/package.json').version}: ${alive} of ${refs.length} pages alive after gc; 'parsed' listeners on the bus: ${bus.listeners('parsed').length}`);
  process.exit(alive > 1 ? 1 : 0); // one survivor may be the last call's, held by a cache slot or a frame; more is growth
}
main();
