// Leak: a middleware stashes in-flight responses on the long-lived engine object under a private
// Symbol key ("nobody will see it"); it appends on every response and never removes, so the hidden
// list grows with the crawl.
import { ObjectRef } from 'trackref';
import type { LeakCase } from '../../case';

class HtmlResponse extends ObjectRef {
  constructor(readonly url: string) {
    super();
  }
}

const kInflight = Symbol('inflight');

interface Engine {
  name: string;
  [kInflight]?: HtmlResponse[];
}

const engine: Engine = { name: 'engine' };
let next = 0;

function processResponse(): void {
  const response = new HtmlResponse(`http://shop.test/sym/${next++}`);
  (engine[kInflight] ??= []).push(response);
}

export default {
  kind: 'leak',
  name: 'Symbol-keyed list on a long-lived object',
  target: HtmlResponse,
  fn: processResponse,
  heldBy: "engine['<symbol inflight>'][",
} satisfies LeakCase;
