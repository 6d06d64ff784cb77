// sindresorhus/p-queue#235: a crawl queue whose tasks all take the crawl's stop signal. p-queue
// 9.0.0 races every task against a promise settled only by an 'abort' listener it never removes,
// so each finished task's result (the page) stays reachable through that promise chain.
const { ObjectRef } = require('trackref');

class Page extends ObjectRef {
  constructor(url) {
    super();
    this.url = url;
    this.body = `<html>${url}</html>`;
  }
}

const stop = new AbortController(); // aborted when the crawl is stopped
let queue;

beforeAll(async () => {
  const { default: PQueue } = await import('p-queue'); // ESM-only package
  queue = new PQueue({ concurrency: 2 });
});

async function fetchPage(url) {
  await new Promise((resolve) => setImmediate(resolve));
  return new Page(url);
}

async function crawl(url) {
  const page = await queue.add(() => fetchPage(url), { signal: stop.signal });
  return page.body.length;
}

test('finished tasks release their pages', async () => {
  let n = 0;
  await expect(() => crawl(`http://127.0.0.1/page/${n++}`)).not.toLeak(Page);
});
