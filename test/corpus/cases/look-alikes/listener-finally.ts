// Look-alike: a download subscribes to the engine's "closed" event (to cancel itself on shutdown)
// and unsubscribes in a finally block, whether the download succeeded or not.
import { EventEmitter } from 'node:events';
import { ObjectRef } from 'trackref';
import type { LookAlikeCase } from '../../case';

class Request extends ObjectRef {
  constructor(readonly url: string) {
    super();
  }
}

const engine = new EventEmitter();
let requested = 0;

function transfer(): Promise<number> {
  return new Promise((resolve) => setImmediate(() => resolve(200)));
}

async function download(): Promise<void> {
  const request = new Request(`http://shop.test/p${requested++}`);
  const onClosed = (): void => {
    console.debug(`cancelling ${request.url}`);
  };
  engine.on('closed', onClosed);
  try {
    await transfer();
  } finally {
    engine.off('closed', onClosed);
  }
}

export default {
  kind: 'look-alike',
  name: 'listener removed in a finally block',
  target: Request,
  fn: download,
  options: { runs: 3 },
  because: 'the finally block removes the listener before fn settles',
} satisfies LookAlikeCase;
