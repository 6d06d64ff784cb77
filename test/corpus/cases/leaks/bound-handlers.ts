// Leak: callbacks are registered as `handleItem.bind(response)` in a long-lived list of item
// handlers; a bound function holds its `this`, so each handler keeps its response. HtmlResponse
// here is a library's class, tracked per instance with track().
import { track } from 'trackref';
import type { LeakCase } from '../../case';

class HtmlResponse {
  constructor(readonly url: string) {}
}

function handleItem(this: HtmlResponse, title: string): string {
  return `${this.url}: ${title}`;
}

const itemHandlers: Array<(title: string) => string> = [];
let next = 0;

function parse(): void {
  const response = track(new HtmlResponse(`http://shop.test/bound/${next++}`));
  itemHandlers.push(handleItem.bind(response));
}

export default {
  kind: 'leak',
  name: 'bound functions kept in a handler list',
  target: HtmlResponse,
  fn: parse,
  heldBy: 'itemHandlers[',
} satisfies LeakCase;
