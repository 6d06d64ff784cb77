// Plain-Node reproduction (node --expose-gc repro.cjs): exit 1 when pages stay alive, 0 when not.
const Promise = require('bluebird');

class Page {
  constructor(url) {
    this.url = url;
  }
}

async function crawl(url, refs) {
  const page = await new Promise((resolve) => setImmediate(() => resolve(new Page(url)))).timeout(60000);
  refs.push(new WeakRef(page));
}

async function main() {
  const refs = [];
  for (let i = 0; i < 20; i++) await crawl(`http://127.0.0.1/page/${i}`, refs);
  for (let i = 0; i < 3; i++) {
    global.gc();
    await new global.Promise((resolve) => setImmediate(resolve));
  }
  const alive = refs.filter((ref) => ref.deref() !== undefined).length;
  console.log(`bluebird@${require('bluebird/package.json').version}: ${alive} of ${refs.length} pages alive after gc (60 s timeouts, promises settled at once)`);
  process.exit(alive > 1 ? 1 : 0); // one survivor may be the last call's, held by a cache slot or a frame; more is growth
}
main();
