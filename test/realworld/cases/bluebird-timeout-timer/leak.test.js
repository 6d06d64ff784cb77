// petkaantonov/bluebird#371: every page fetch gets a generous 60 s timeout. On bluebird 2.3.10 the
// timer is not cleared when the fetch settles first, so it keeps the promise and its page alive for
// the full minute.
const { ObjectRef } = require('trackref');
const Promise = require('bluebird');

class Page extends ObjectRef {
  constructor(url) {
    super();
    this.url = url;
    this.body = `<html>${url}</html>`;
  }
}

function fetchPage(url) {
  return new Promise((resolve) => setImmediate(() => resolve(new Page(url))));
}

async function crawl(url) {
  const page = await fetchPage(url).timeout(60000);
  return page.body.length;
}

test('pages are freed once fetched', async () => {
  let n = 0;
  await expect(() => crawl(`http://127.0.0.1/page/${n++}`)).not.toLeak(Page);
});
