// Leak: each parsed response registers an "after crawl" hook in a long-lived array of callbacks;
// the hooks are run at the end of the crawl but the array is never emptied, and each closure keeps
// its response.
import { ObjectRef } from 'trackref';
import type { LeakCase } from '../../case';

class HtmlResponse extends ObjectRef {
  constructor(readonly url: string) {
    super();
  }
}

const afterCrawlHooks: Array<() => void> = [];
const summary: string[] = [];
let next = 0;

function parse(): void {
  const response = new HtmlResponse(`http://shop.test/hook/${next++}`);
  afterCrawlHooks.push(() => {
    summary.push(response.url);
  });
}

export default {
  kind: 'leak',
  name: 'closures pushed into a long-lived hooks array',
  target: HtmlResponse,
  fn: parse,
  heldBy: 'afterCrawlHooks[',
} satisfies LeakCase;
