// Look-alike: a downloader keeps in-flight requests in a map (for stats and cancellation) and
// deletes each entry when its request completes. fn is async and awaited, so the entry is gone by
// the time it settles.
import { ObjectRef } from 'trackref';
import type { LookAlikeCase } from '../../case';

class Request extends ObjectRef {
  constructor(readonly url: string) {
    super();
  }
}

class HtmlResponse extends ObjectRef {
  constructor(
    readonly request: Request,
    readonly status: number,
  ) {
    super();
  }
}

const pending = new Map<number, Request>();
let nextId = 0;

function transfer(request: Request): Promise<HtmlResponse> {
  return new Promise((resolve) => setImmediate(() => resolve(new HtmlResponse(request, 200))));
}

async function fetchPage(): Promise<number> {
  const id = nextId++;
  const request = new Request(`http://shop.test/p${id}`);
  pending.set(id, request);
  try {
    const response = await transfer(request);
    return response.status;
  } finally {
    pending.delete(id);
  }
}

export default {
  kind: 'look-alike',
  name: 'pending-request map cleared on completion',
  target: [Request, HtmlResponse],
  fn: fetchPage,
  options: { runs: 3 },
  because: 'each request is deleted from the pending map when it completes, before fn settles',
} satisfies LookAlikeCase;
