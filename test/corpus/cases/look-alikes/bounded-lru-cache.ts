// Look-alike: an LRU cache capped at 8 entries fills during the first calls and then evicts; it
// grows, then stops. With `growth: 'every-run'` over 12 runs that is not a leak.
import { ObjectRef } from 'trackref';
import type { LookAlikeCase } from '../../case';

class HtmlResponse extends ObjectRef {
  constructor(readonly url: string) {
    super();
  }
}

const CAPACITY = 8;
const cache = new Map<string, HtmlResponse>();
let next = 0;

function fetchCached(): HtmlResponse {
  const url = `http://shop.test/p${next++}`;
  const response = new HtmlResponse(url);
  cache.set(url, response);
  if (cache.size > CAPACITY) cache.delete(cache.keys().next().value!);
  return response;
}

export default {
  kind: 'look-alike',
  name: 'bounded LRU cache',
  target: HtmlResponse,
  fn: fetchCached,
  options: { runs: 12, growth: 'every-run' },
  because: 'the cache holds at most 8 responses; it stops growing once full',
} satisfies LookAlikeCase;
