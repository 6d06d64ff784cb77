// Leak: every crawl registers a `process.on('exit')` handler to write the response's stats at
// shutdown and never removes it; `process` lives forever, so each handler's closure keeps its
// response alive until the process exits.
import { ObjectRef } from 'trackref';
import type { LeakCase } from '../../case';

class HtmlResponse extends ObjectRef {
  constructor(readonly url: string, readonly status: number) {
    super();
  }
}

const shutdownReport: string[] = [];
let next = 0;

function crawl(): void {
  const response = new HtmlResponse(`http://shop.test/exit/${next++}`, 200);
  // The "fix" for the MaxListenersExceededWarning that should have been a removeListener.
  process.setMaxListeners(process.getMaxListeners() + 1);
  process.on('exit', function writeStats() {
    shutdownReport.push(`${response.url} ${response.status}`);
  });
}

export default {
  kind: 'leak',
  name: "process.on('exit') handler per crawl",
  target: HtmlResponse,
  fn: crawl,
  heldBy: "process listeners 'exit'[",
} satisfies LeakCase;
