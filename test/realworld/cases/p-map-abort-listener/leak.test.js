// sindresorhus/p-map#75: each batch of links is mapped to pages with pMap under the crawl's stop
// signal. p-map 7.0.2 never removes its 'abort' listener from that signal, and the listener keeps
// the batch's results (the pages) alive.
const { ObjectRef } = require('trackref');

class Page extends ObjectRef {
  constructor(url) {
    super();
    this.url = url;
  }
}

const stop = new AbortController(); // aborted when the crawl is stopped

async function fetchPage(url) {
  await new Promise((resolve) => setImmediate(resolve));
  return new Page(url);
}

async function crawlBatch(base) {
  const { default: pMap } = await import('p-map'); // ESM-only package
  const urls = [`${base}/a`, `${base}/b`, `${base}/c`];
  const pages = await pMap(urls, fetchPage, { concurrency: 2, signal: stop.signal });
  return pages.length;
}

test('mapped pages are freed after the batch', async () => {
  let n = 0;
  await expect(() => crawlBatch(`http://127.0.0.1/batch/${n++}`)).not.toLeak(Page);
});
