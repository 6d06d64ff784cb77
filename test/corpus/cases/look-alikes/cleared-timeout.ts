// Look-alike: a download timeout. fn arms a 30 s timer whose closure holds the request (to report
// which request timed out) and clears it in a finally block when the response arrives.
import { ObjectRef } from 'trackref';
import type { LookAlikeCase } from '../../case';

class Request extends ObjectRef {
  constructor(readonly url: string) {
    super();
  }
}

const DOWNLOAD_TIMEOUT_MS = 30_000;
const stats = { timedOut: 0, completed: 0 };
let requested = 0;

function transfer(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function download(): Promise<void> {
  const request = new Request(`http://shop.test/p${requested++}`);
  const timer = setTimeout(() => {
    stats.timedOut++;
    console.warn(`timed out: ${request.url}`);
  }, DOWNLOAD_TIMEOUT_MS);
  try {
    await transfer();
    stats.completed++;
  } finally {
    clearTimeout(timer);
  }
}

export default {
  kind: 'look-alike',
  name: 'download timeout cleared when the response arrives',
  target: Request,
  fn: download,
  because: 'clearTimeout in the finally block drops the timer and its closure before fn settles',
} satisfies LookAlikeCase;
