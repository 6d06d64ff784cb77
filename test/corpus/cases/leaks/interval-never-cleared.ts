// Leak: each page starts a refresh interval that re-checks it every minute; nobody calls
// clearInterval, so the timer list keeps the callback and the Page it closes over alive forever.
import { ObjectRef } from 'trackref';
import type { LeakCase } from '../../case';

class Page extends ObjectRef {
  refreshes = 0;
  constructor(readonly url: string) {
    super();
  }
}

let next = 0;

function openPage(): void {
  const page = new Page(`http://shop.test/live/${next++}`);
  setInterval(function refreshPage() {
    page.refreshes++;
  }, 60_000).unref();
}

export default {
  kind: 'leak',
  name: 'setInterval never cleared',
  target: Page,
  fn: openPage,
  heldBy: 'setInterval(…, 60000) pending',
} satisfies LeakCase;
