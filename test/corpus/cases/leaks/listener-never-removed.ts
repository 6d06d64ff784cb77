// Leak: a spider subscribes a handler to a long-lived event bus on every crawl and never removes it;
// the handler's closure holds the response it was made for.
import { EventEmitter } from 'node:events';
import { ObjectRef } from 'trackref';
import type { LeakCase } from '../../case';

class HtmlResponse extends ObjectRef {
  constructor(readonly url: string) {
    super();
  }
}

const bus = new EventEmitter();
bus.setMaxListeners(0);

async function crawl(): Promise<void> {
  const response = new HtmlResponse('http://shop.test/p1');
  bus.on('closed', function onClosed() {
    console.debug(response.url);
  });
}

export default {
  kind: 'leak',
  name: 'event listener never removed',
  target: HtmlResponse,
  fn: crawl,
  heldBy: "bus listeners 'closed'",
} satisfies LeakCase;
