// Look-alike: per-request context through AsyncLocalStorage. fn runs the request's handling inside
// `storage.run(context, …)` and awaits it; the context (which holds the request) is reachable only
// from async resources created inside the run, and they are all done when fn settles.
import { AsyncLocalStorage } from 'node:async_hooks';
import { track } from 'trackref';
import type { LookAlikeCase } from '../../case';

class Request {
  constructor(readonly url: string) {}
}

class CrawlContext {
  readonly log: string[] = [];

  constructor(readonly request: Request) {}
}

const storage = new AsyncLocalStorage<CrawlContext>();
let requested = 0;

function logLine(message: string): void {
  const context = storage.getStore();
  context?.log.push(`${context.request.url}: ${message}`);
}

function transfer(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function handle(): Promise<void> {
  const request = track(new Request(`http://shop.test/p${requested++}`));
  await storage.run(new CrawlContext(request), async () => {
    logLine('downloading');
    await transfer();
    logLine('parsed');
  });
}

export default {
  kind: 'look-alike',
  name: 'AsyncLocalStorage.run that finishes',
  target: [Request, CrawlContext],
  fn: handle,
  because: 'storage.run restores the previous store when it returns, and the async work inside it is over when fn settles',
} satisfies LookAlikeCase;
