// sindresorhus/p-retry#71: every page is fetched with retries, all under the crawl's stop signal.
// p-retry 5.1.2 leaves an 'abort' listener on that signal per call; the listener keeps the retried
// function, and the page it closes over.
const { ObjectRef } = require('trackref');

class Page extends ObjectRef {
  constructor(url) {
    super();
    this.url = url;
    this.attempts = 0;
  }
}

const stop = new AbortController(); // aborted when the crawl is stopped

async function download(page) {
  page.attempts++;
  await new Promise((resolve) => setImmediate(resolve));
  return `<html>${page.url}</html>`;
}

async function crawlPage(url) {
  const { default: pRetry } = await import('p-retry'); // ESM-only package
  const page = new Page(url);
  const body = await pRetry(() => download(page), { retries: 3, signal: stop.signal });
  return body.length;
}

test('pages do not outlive their retries', async () => {
  let n = 0;
  await expect(() => crawlPage(`http://127.0.0.1/page/${n++}`)).not.toLeak(Page);
});
