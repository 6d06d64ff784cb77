// sindresorhus/memoize#14 (mem): a page cache that should forget pages after 20 ms. On mem 3.0.1
// an entry is dropped only when its URL is fetched again, so every page fetched once stays in the
// cache Map for good.
const { ObjectRef } = require('trackref');
const mem = require('mem');

class Page extends ObjectRef {
  constructor(url) {
    super();
    this.url = url;
    this.links = [`${url}/next`];
  }
}

const fetchPage = mem((url) => new Page(url), { maxAge: 20 });

async function visit(url) {
  const page = fetchPage(url);
  await new Promise((resolve) => setTimeout(resolve, 30)); // longer than maxAge: the entry has expired
  return page.links.length;
}

test('expired pages leave the cache', async () => {
  let n = 0;
  await expect(() => visit(`http://127.0.0.1/page/${n++}`)).not.toLeak(Page);
});
