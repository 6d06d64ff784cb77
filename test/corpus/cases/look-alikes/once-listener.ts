// Look-alike: a request waits for its download with `once` on the engine's long-lived event bus.
// The downloader emits the event shortly after (setImmediate); `once` removes the listener as it
// fires, so the bus keeps nothing.
import { EventEmitter, once } from 'node:events';
import { ObjectRef } from 'trackref';
import type { LookAlikeCase } from '../../case';

class Request extends ObjectRef {
  constructor(readonly url: string) {
    super();
  }
}

class HtmlResponse extends ObjectRef {
  constructor(readonly request: Request) {
    super();
  }
}

const engine = new EventEmitter();
let requested = 0;

async function crawl(): Promise<void> {
  const request = new Request(`http://shop.test/p${requested++}`);
  const event = `downloaded:${request.url}`;
  let status = 0;
  engine.once(event, (response: HtmlResponse) => {
    status = response.request === request ? 200 : 500;
  });
  setImmediate(() => engine.emit(event, new HtmlResponse(request)));
  await once(engine, event);
  if (status !== 200 || engine.listenerCount(event) !== 0) throw new Error('listener not fired');
}

export default {
  kind: 'look-alike',
  name: 'once listener that fires',
  target: [Request, HtmlResponse],
  fn: crawl,
  because: 'listeners added with once (and events.once) are removed when the event fires, during fn',
} satisfies LookAlikeCase;
