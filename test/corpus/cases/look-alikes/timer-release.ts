// Look-alike: a politeness delay. After a download, the crawler keeps the response's host slot busy
// for 100 ms and then releases it; the unref'd timer's closure holds the response until it fires.
import { ObjectRef } from 'trackref';
import type { LookAlikeCase } from '../../case';

class HtmlResponse extends ObjectRef {
  constructor(readonly url: string) {
    super();
  }
}

const DELAY_MS = 100;
const busyHosts = new Set<string>();
let downloaded = 0;

function download(): void {
  const response = new HtmlResponse(`http://shop${downloaded++ % 3}.test/p1`);
  const host = new URL(response.url).host;
  busyHosts.add(host);
  setTimeout(() => {
    busyHosts.delete(new URL(response.url).host);
  }, DELAY_MS).unref();
}

export default {
  kind: 'look-alike',
  name: 'setTimeout that releases the response 100 ms later',
  target: HtmlResponse,
  fn: download,
  because: "the unref'd 100 ms timer fires and drops its closure, and with it the response",
} satisfies LookAlikeCase;
