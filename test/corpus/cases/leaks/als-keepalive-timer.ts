// Leak: a request handler runs inside `als.run(context, …)` and starts a keep-alive interval for
// the connection; the interval's callback never mentions the response, but a timer created inside
// `run` captures the AsyncLocalStorage context, and the context holds the response.
import { AsyncLocalStorage } from 'node:async_hooks';
import { ObjectRef } from 'trackref';
import type { LeakCase } from '../../case';

class HtmlResponse extends ObjectRef {
  constructor(readonly url: string) {
    super();
  }
}

const crawlContext = new AsyncLocalStorage<{ response: HtmlResponse }>();
let pings = 0;
let next = 0;

function sendPing(): void {
  pings++;
}

function handle(): void {
  const response = new HtmlResponse(`http://shop.test/ctx/${next++}`);
  crawlContext.run({ response }, () => {
    setInterval(sendPing, 120_000).unref();
  });
}

export default {
  kind: 'leak',
  name: 'AsyncLocalStorage context captured by a keep-alive interval',
  target: HtmlResponse,
  fn: handle,
  heldBy: 'AsyncLocalStorage store.response',
} satisfies LeakCase;
