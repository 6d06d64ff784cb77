// Leak: parse failures are kept in an in-memory error log for the stats page; each error carries the
// response it failed on as its `cause` (handy for debugging), so the log keeps every failing
// response alive.
import { ObjectRef } from 'trackref';
import type { LeakCase } from '../../case';

class HtmlResponse extends ObjectRef {
  constructor(readonly url: string, readonly body: string) {
    super();
  }
}

const errorLog: Error[] = [];
let next = 0;

function parse(): void {
  const response = new HtmlResponse(`http://shop.test/broken/${next++}`, '<html><body>');
  try {
    if (!response.body.includes('</html>')) throw new Error('truncated HTML', { cause: response });
  } catch (error) {
    errorLog.push(error as Error);
  }
}

export default {
  kind: 'leak',
  name: 'error log whose errors hold the response as cause',
  target: HtmlResponse,
  fn: parse,
  heldBy: 'errorLog[',
} satisfies LeakCase;
