// Leak: an HTTP cache keyed by URL with no size limit or expiry. Every new URL adds an entry, and a
// crawler sees mostly new URLs, so the cache grows with the crawl.
import { ObjectRef } from 'trackref';
import type { LeakCase } from '../../case';

class HtmlResponse extends ObjectRef {
  constructor(readonly url: string, readonly body: string) {
    super();
  }
}

const httpCache = new Map<string, HtmlResponse>();
let next = 0;

async function fetchWithCache(url: string): Promise<HtmlResponse> {
  const hit = httpCache.get(url);
  if (hit !== undefined) return hit;
  const response = new HtmlResponse(url, '<html>…</html>');
  httpCache.set(url, response);
  return response;
}

export default {
  kind: 'leak',
  name: 'unbounded Map cache keyed by URL',
  target: HtmlResponse,
  fn: () => fetchWithCache(`http://shop.test/cache/${next++}`),
  options: { runs: 3 },
  heldBy: 'httpCache.get(',
} satisfies LeakCase;
