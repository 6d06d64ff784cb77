// The crawler under test: crawlee's BasicCrawler over the local site, with in-memory storage and a
// request queue of its own per crawl (dropped at the end), as an app crawling sites one after the
// other would do. `onPage(context)` lets a test see (or keep) each crawling context; `agent` is the
// HTTP agent the request handler fetches pages with (default: Node's global keep-alive agent).
const { BasicCrawler, Configuration, RequestQueue } = require('@crawlee/basic');
const { get } = require('./site');

const config = new Configuration({ persistStorage: false, purgeOnStart: true });
let crawls = 0;

async function crawl(origin, onPage = () => {}, { agent } = {}) {
  const requestQueue = await RequestQueue.open(`crawl-${process.pid}-${crawls++}`, { config });
  const titles = [];
  const crawler = new BasicCrawler(
    {
      requestQueue,
      maxConcurrency: 2,
      maxRequestRetries: 0,
      async requestHandler(context) {
        const body = await get(context.request.url, agent);
        titles.push(/<h1>(.*?)<\/h1>/.exec(body)?.[1]);
        const links = [...body.matchAll(/href="([^"]+)"/g)].map((match) => new URL(match[1], context.request.url).href);
        await context.addRequests(links);
        onPage(context);
      },
    },
    config,
  );
  await crawler.run([`${origin}/`]);
  await requestQueue.drop();
  return titles.length;
}

module.exports = { crawl };
