// Leak: a page waits for a lazy-loaded element by polling every second with a self-rescheduling
// setTimeout; the element never appears and the loop has no give-up condition, so it runs forever
// and keeps its Page. (One check per second per loop: cheap, but never ending.)
import { ObjectRef } from 'trackref';
import type { LeakCase } from '../../case';

class Page extends ObjectRef {
  polls = 0;
  constructor(readonly url: string, readonly selector: string) {
    super();
  }
  hasElement(): boolean {
    return false;
  }
}

let next = 0;

function waitForSelector(page: Page): void {
  function poll(): void {
    page.polls++;
    if (!page.hasElement()) setTimeout(poll, 1000).unref();
  }
  poll();
}

export default {
  kind: 'leak',
  name: 'self-rescheduling poll that never gives up',
  target: Page,
  fn: () => waitForSelector(new Page(`http://shop.test/lazy/${next++}`, '#price')),
  heldBy: 'setTimeout(…, 1000) pending',
} satisfies LeakCase;
