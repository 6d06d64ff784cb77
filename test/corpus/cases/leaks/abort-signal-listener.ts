// Leak: one AbortController lives as long as the spider (its signal cancels everything at
// shutdown). Each request adds an 'abort' listener to that signal to close its response and never
// removes it (no `{ once }`, no removeEventListener), so the signal's listener list keeps every
// response alive.
import { setMaxListeners } from 'node:events';
import { ObjectRef } from 'trackref';
import type { LeakCase } from '../../case';

class HtmlResponse extends ObjectRef {
  closed = false;
  constructor(readonly url: string) {
    super();
  }
}

const shutdown = new AbortController();
setMaxListeners(0, shutdown.signal); // silences the warning that was telling the truth
let next = 0;

async function fetchPage(): Promise<void> {
  const response = new HtmlResponse(`http://shop.test/abort/${next++}`);
  shutdown.signal.addEventListener('abort', function closeResponse() {
    response.closed = true;
  });
}

export default {
  kind: 'leak',
  name: 'AbortSignal listener on the spider-wide signal',
  target: HtmlResponse,
  fn: fetchPage,
  heldBy: "shutdown.signal listeners 'abort'[",
} satisfies LeakCase;
