// sindresorhus/p-timeout#42: one stop signal for the whole crawl, a timeout per page. p-timeout
// 6.1.2 adds an 'abort' listener to the crawl's signal for every page and never removes it; the
// listener's closure keeps the page's promise, and so the page, alive.
const { ObjectRef } = require('trackref');

class Page extends ObjectRef {
  constructor(url, body) {
    super();
    this.url = url;
    this.body = body;
  }
}

const stop = new AbortController(); // aborted when the crawl is stopped, lives as long as the crawler

async function fetchPage(url) {
  await new Promise((resolve) => setImmediate(resolve));
  return new Page(url, `<html>${url}</html>`);
}

async function crawlPage(url) {
  const { default: pTimeout } = await import('p-timeout'); // ESM-only package
  const page = await pTimeout(fetchPage(url), { milliseconds: 5000, signal: stop.signal });
  return page.body.length;
}

test('pages do not outlive their crawl step', async () => {
  let n = 0;
  await expect(() => crawlPage(`http://127.0.0.1/page/${n++}`)).not.toLeak(Page);
});
