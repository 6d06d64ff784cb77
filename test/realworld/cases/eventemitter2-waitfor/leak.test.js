// EventEmitter2/EventEmitter2#262: the crawler's event bus lives as long as the crawler; each page
// waits for its own 'parsed' event with waitFor and a filter. On 6.4.2 the waitFor listener stays on
// the bus after it resolved, and its filter keeps the page alive.
const { ObjectRef } = require('trackref');
const { EventEmitter2 } = require('eventemitter2');

class Page extends ObjectRef {
  constructor(url) {
    super();
    this.url = url;
    this.links = [];
  }
}

const bus = new EventEmitter2();
bus.setMaxListeners(0);

function parseLater(page) {
  setImmediate(() => {
    page.links.push(`${page.url}/next`);
    bus.emit('parsed', page);
  });
}

async function crawl(url) {
  const page = new Page(url);
  const parsed = bus.waitFor('parsed', { filter: (parsedPage) => parsedPage === page });
  parseLater(page);
  await parsed;
  return page.links.length;
}

test('pages do not stay on the event bus', async () => {
  let n = 0;
  await expect(() => crawl(`http://127.0.0.1/page/${n++}`)).not.toLeak(Page);
});
