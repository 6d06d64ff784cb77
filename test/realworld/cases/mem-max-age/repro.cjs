// Plain-Node reproduction (node --expose-gc repro.cjs): exit 1 when pages stay alive, 0 when not.
const mem = require('mem');

class Page {
  constructor(url) {
    this.url = url;
  }
}

const cache = new Map();
const fetchPage = mem((url) => new Page(url), { maxAge: 20, cache });

function visit(url, refs) {
  refs.push(new WeakRef(fetchPage(url)));
}

async function main() {
  const refs = [];
  for (let i = 0; i < 20; i++) visit(`http://127.0.0.1/page/${i}`, refs);
  await new Promise((resolve) => setTimeout(resolve, 200)); // ten times maxAge
  for (let i = 0; i < 3; i++) {
    global.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const alive = refs.filter((ref) => ref.deref() !== undefined).length;
  console.log(`mem@${require('mem/package.json').version}: ${alive} of ${refs.length} pages alive after gc, 200 ms after a 20 ms maxAge; cache size ${cache.size}`);
  process.exit(alive > 1 ? 1 : 0); // one survivor may be the last call's, held by a cache slot or a frame; more is growth
}
main();
