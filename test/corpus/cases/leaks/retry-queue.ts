// Leak: failed downloads are re-queued for retry together with the failed response (to log its
// status later); the retry worker was never started, so the queue only grows, and every entry keeps
// a Request and its HtmlResponse.
import { ObjectRef } from 'trackref';
import type { LeakCase } from '../../case';

class Request extends ObjectRef {
  constructor(readonly url: string) {
    super();
  }
}

class HtmlResponse extends ObjectRef {
  constructor(readonly request: Request, readonly status: number) {
    super();
  }
}

interface RetryEntry {
  request: Request;
  lastResponse: HtmlResponse;
  attempt: number;
}

const retryQueue: RetryEntry[] = [];
let next = 0;

async function download(): Promise<void> {
  const request = new Request(`http://shop.test/flaky/${next++}`);
  const response = new HtmlResponse(request, 503);
  if (response.status >= 500) retryQueue.push({ request, lastResponse: response, attempt: 1 });
}

export default {
  kind: 'leak',
  name: 'retry queue keeps failed responses',
  target: HtmlResponse,
  fn: download,
  options: { runs: 3 },
  heldBy: 'retryQueue[',
} satisfies LeakCase;
