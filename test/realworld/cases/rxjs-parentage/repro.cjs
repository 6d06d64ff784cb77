// Plain-Node reproduction (node --expose-gc repro.cjs): exit 1 when pages stay alive, 0 when not.
const { Subscription } = require('rxjs');

class Page {
  constructor(url) {
    this.url = url;
  }
}

const crawlTeardown = new Subscription();
const hostTeardown = new Subscription();

function visit(url, refs) {
  const page = new Page(url);
  const subscription = new Subscription(() => {
    page.open = false;
  });
  crawlTeardown.add(subscription);
  hostTeardown.add(subscription);
  subscription.unsubscribe();
  refs.push(new WeakRef(page));
}

async function main() {
  const refs = [];
  for (let i = 0; i < 20; i++) visit(`http://127.0.0.1/page/${i}`, refs);
  for (let i = 0; i < 3; i++) {
    global.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const alive = refs.filter((ref) => ref.deref() !== undefined).length;
  const held = (s) => (s._teardowns ? s._teardowns.length : 0);
  console.log(`rxjs@${require('rxjs/package.json').version}: ${alive} of ${refs.length} pages alive after gc; teardowns held: crawl ${held(crawlTeardown)}, host ${held(hostTeardown)}`);
  process.exit(alive > 1 ? 1 : 0); // one survivor may be the last call's, held by a cache slot or a frame; more is growth
}
main();
