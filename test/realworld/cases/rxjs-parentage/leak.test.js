// ReactiveX/rxjs#6351: each page's subscription is added to two long-lived parents (the crawl's and
// its host's teardown groups) and unsubscribed when the page is done. rxjs 7.0.0 removes it from
// only one parent; the other keeps it in its _teardowns, with the page its teardown closes over.
const { ObjectRef } = require('trackref');
const { Subscription } = require('rxjs');

class Page extends ObjectRef {
  constructor(url) {
    super();
    this.url = url;
    this.open = true;
  }
}

const crawlTeardown = new Subscription(); // unsubscribed when the crawl stops
const hostTeardown = new Subscription(); // unsubscribed when the host gets blocked

async function visit(url) {
  const page = new Page(url);
  const subscription = new Subscription(() => {
    page.open = false;
  });
  crawlTeardown.add(subscription);
  hostTeardown.add(subscription);
  await new Promise((resolve) => setImmediate(resolve));
  subscription.unsubscribe(); // the page is done
  return page.open;
}

test('finished pages leave the teardown groups', async () => {
  let n = 0;
  await expect(() => visit(`http://127.0.0.1/page/${n++}`)).not.toLeak(Page);
});
