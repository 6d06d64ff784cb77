// Look-alike: a request's callback is a closure over the request itself, the response points at
// the request, and the request at its response: a cycle through closures and fields that no
// outside reference reaches once the callback ran.
import { ObjectRef } from 'trackref';
import type { LookAlikeCase } from '../../case';

class Request extends ObjectRef {
  response: HtmlResponse | undefined;
  callback: (response: HtmlResponse) => string = () => '';

  constructor(readonly url: string) {
    super();
  }
}

class HtmlResponse extends ObjectRef {
  constructor(readonly request: Request) {
    super();
  }
}

const seen = { callbacks: 0 };
let requested = 0;

function crawl(): void {
  const request = new Request(`http://shop.test/p${requested++}`);
  request.callback = (response) => {
    request.response = response;
    seen.callbacks++;
    return `${request.url} parsed (${response.request === request ? 'matched' : 'mismatched'})`;
  };
  request.callback(new HtmlResponse(request));
}

export default {
  kind: 'look-alike',
  name: 'reference cycle through a closure',
  target: [Request, HtmlResponse],
  fn: crawl,
  because: 'the request, its callback closure and its response refer only to each other after fn',
} satisfies LookAlikeCase;
