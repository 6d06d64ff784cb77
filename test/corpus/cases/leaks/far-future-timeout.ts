// Leak: a download timeout of six hours is armed for every request and never cleared when the
// response arrives; until it fires, the pending timer keeps its callback, and the Request and
// HtmlResponse it closes over, alive.
import { ObjectRef } from 'trackref';
import type { LeakCase } from '../../case';

class Request extends ObjectRef {
  constructor(readonly url: string) {
    super();
  }
}

class HtmlResponse extends ObjectRef {
  constructor(readonly request: Request, readonly body: string) {
    super();
  }
}

const SIX_HOURS = 6 * 60 * 60 * 1000;
const timedOut: string[] = [];
let next = 0;

async function download(): Promise<HtmlResponse> {
  const request = new Request(`http://shop.test/slow/${next++}`);
  const response = new HtmlResponse(request, '<html></html>');
  setTimeout(function onDownloadTimeout() {
    timedOut.push(response.request.url);
  }, SIX_HOURS).unref();
  return response;
}

export default {
  kind: 'leak',
  name: 'far-future setTimeout never cleared',
  target: [Request, HtmlResponse],
  fn: download,
  heldBy: 'setTimeout(…, 21600000) pending',
} satisfies LeakCase;
