// Look-alike: a crawler counts responses that were garbage-collected with a FinalizationRegistry
// (for its memory stats page). Registering an object does not keep it alive: the held value is the
// URL string, and the unregister token is held weakly.
import { ObjectRef } from 'trackref';
import type { LookAlikeCase } from '../../case';

class HtmlResponse extends ObjectRef {
  constructor(readonly url: string) {
    super();
  }
}

const stats = { registered: 0, collected: 0, lastCollected: '' };
const collected = new FinalizationRegistry<string>((url) => {
  stats.collected++;
  stats.lastCollected = url;
});

function fetchPage(): void {
  const response = new HtmlResponse(`http://shop.test/p${stats.registered++}`);
  collected.register(response, response.url, response);
}

export default {
  kind: 'look-alike',
  name: 'FinalizationRegistry that registers the response',
  target: HtmlResponse,
  fn: fetchPage,
  because: 'a FinalizationRegistry holds its targets and unregister tokens weakly; only the URL string is held',
} satisfies LookAlikeCase;
