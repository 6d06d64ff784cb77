// Leak: each Page keeps a `previous` link to the page it was reached from (for breadcrumbs), and a
// module-level `lastPage` points at the newest one; the chain back to the first page is never cut,
// so all visited pages stay alive.
import { ObjectRef } from 'trackref';
import type { LeakCase } from '../../case';

class Page extends ObjectRef {
  constructor(readonly url: string, readonly previous: Page | undefined) {
    super();
  }
}

let lastPage: Page | undefined;
let next = 0;

function visit(): void {
  lastPage = new Page(`http://shop.test/next/${next++}`, lastPage);
}

export default {
  kind: 'leak',
  name: 'linked list of pages through a previous pointer',
  target: Page,
  fn: visit,
  options: { runs: 3 },
  heldBy: 'lastPage.previous',
} satisfies LeakCase;
