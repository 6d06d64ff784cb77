// Look-alike: a crawler builds its HTTP client (connection pool, cookie jar) on the first request
// and reuses it for every later one. The first call creates it; the default warm-up call absorbs
// that, so the measured calls create nothing that stays.
import { ObjectRef } from 'trackref';
import type { LookAlikeCase } from '../../case';

class HttpClient extends ObjectRef {
  readonly cookies = new Map<string, string>();
  requests = 0;
}

class HtmlResponse extends ObjectRef {
  constructor(readonly url: string) {
    super();
  }
}

let client: HttpClient | undefined;

function getClient(): HttpClient {
  client ??= new HttpClient();
  return client;
}

function fetchPage(): void {
  const http = getClient();
  http.requests++;
  http.cookies.set('session', 'abc123');
  const response = new HtmlResponse(`http://shop.test/p${http.requests}`);
  if (response.url.length === 0) throw new Error('empty url');
}

export default {
  kind: 'look-alike',
  name: 'lazy singleton created on first call',
  target: [HttpClient, HtmlResponse],
  fn: fetchPage,
  because: 'the client is created once, by the warm-up call, and reused afterwards; responses are dropped',
} satisfies LookAlikeCase;
