// Look-alike: parsed documents cached per request in a WeakMap keyed by the request. The cached
// document even points back at its request (an ephemeron cycle); when the request dies, the entry
// and the document go with it.
import { ObjectRef } from 'trackref';
import type { LookAlikeCase } from '../../case';

class Request extends ObjectRef {
  constructor(readonly url: string) {
    super();
  }
}

class ParsedDocument {
  constructor(
    readonly request: Request,
    readonly title: string,
  ) {}
}

const parsed = new WeakMap<Request, ParsedDocument>();
let crawled = 0;

function documentFor(request: Request): ParsedDocument {
  let doc = parsed.get(request);
  if (doc === undefined) {
    doc = new ParsedDocument(request, `Product ${request.url.length}`);
    parsed.set(request, doc);
  }
  return doc;
}

function crawlPage(): void {
  const request = new Request(`http://shop.test/p${crawled++}`);
  const title = documentFor(request).title;
  if (documentFor(request).title !== title) throw new Error('cache miss');
}

export default {
  kind: 'look-alike',
  name: 'WeakMap cache keyed by a request that dies',
  target: [Request, ParsedDocument],
  fn: crawlPage,
  because: 'a WeakMap entry lives only as long as its key, even when the value points back at the key',
} satisfies LookAlikeCase;
