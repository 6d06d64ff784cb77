// Leak: a cleanup registry is told to close each response's resources when its Page is collected,
// with the response itself as the held value; a FinalizationRegistry holds held values strongly
// until the target dies, and the page (the tab) is reused for the whole crawl.
import { ObjectRef } from 'trackref';
import type { LeakCase } from '../../case';

class Page extends ObjectRef {
  constructor(readonly tab: number) {
    super();
  }
}

class HtmlResponse extends ObjectRef {
  constructor(readonly url: string) {
    super();
  }
}

const closed: string[] = [];
const cleanup = new FinalizationRegistry<HtmlResponse>((response) => closed.push(response.url));
const tab = new Page(1);
let next = 0;

function navigate(): void {
  const response = new HtmlResponse(`http://shop.test/tab/${next++}`);
  cleanup.register(tab, response);
}

export default {
  kind: 'leak',
  name: 'FinalizationRegistry held value under a live target',
  target: HtmlResponse,
  fn: navigate,
  heldBy: 'cleanup (FinalizationRegistry held value)',
} satisfies LeakCase;
