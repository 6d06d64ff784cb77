// Look-alike: each request gets its own AbortController linked to the crawler-wide shutdown signal.
// The link (a listener on the long-lived signal, whose closure holds the request) is removed when
// the request's controller aborts, which the request does in its finally block once it is done.
import { ObjectRef } from 'trackref';
import type { LookAlikeCase } from '../../case';

class Request extends ObjectRef {
  constructor(readonly url: string) {
    super();
  }
}

const shutdown = new AbortController();
let requested = 0;

function transfer(signal: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) =>
    setImmediate(() => (signal.aborted ? reject(signal.reason) : resolve(200))),
  );
}

async function fetchPage(): Promise<void> {
  const request = new Request(`http://shop.test/p${requested++}`);
  const controller = new AbortController();
  const onShutdown = (): void => controller.abort(new Error(`shutdown while fetching ${request.url}`));
  shutdown.signal.addEventListener('abort', onShutdown);
  controller.signal.addEventListener('abort', () => shutdown.signal.removeEventListener('abort', onShutdown), { once: true });
  try {
    await transfer(controller.signal);
  } finally {
    controller.abort();
  }
}

export default {
  kind: 'look-alike',
  name: 'AbortController whose shutdown listener is removed on abort',
  target: Request,
  fn: fetchPage,
  because: "aborting the request's controller when it is done removes its listener from the shutdown signal",
} satisfies LookAlikeCase;
