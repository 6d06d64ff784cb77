// Leak (Scrapy's classic): each follow-up Request carries `meta.referer`, the HtmlResponse it was
// extracted from. The scheduler keeps pending requests far longer than the response is needed, so
// every response stays alive as long as one of its links waits in the queue.
import { ObjectRef } from 'trackref';
import type { LeakCase } from '../../case';

class HtmlResponse extends ObjectRef {
  constructor(readonly url: string, readonly body: string) {
    super();
  }
}

class Request extends ObjectRef {
  constructor(readonly url: string, readonly meta: { referer?: HtmlResponse; depth: number }) {
    super();
  }
}

const scheduler = { queue: [] as Request[] };
let next = 0;

function parse(): void {
  const response = new HtmlResponse(`http://shop.test/list/${next++}`, '<a href="/p1">');
  scheduler.queue.push(new Request(`${response.url}/p1`, { referer: response, depth: 1 }));
}

export default {
  kind: 'leak',
  name: 'queued Request.meta.referer holds the response',
  target: HtmlResponse,
  fn: parse,
  heldBy: '.meta.referer',
} satisfies LeakCase;
