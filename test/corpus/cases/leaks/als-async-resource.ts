// Leak: each request runs inside `requestContext.run({ request, response }, …)`; a connection pool
// creates an AsyncResource for the socket it opens there and keeps it in its idle list. An
// AsyncResource captures the AsyncLocalStorage store current at its creation, so every pooled
// socket keeps the context of the request that opened it, response included.
import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import { ObjectRef } from 'trackref';
import type { LeakCase } from '../../case';

class Request extends ObjectRef {
  constructor(readonly url: string) {
    super();
  }
}

class HtmlResponse extends ObjectRef {
  constructor(readonly url: string) {
    super();
  }
}

interface RequestContext {
  request: Request;
  response?: HtmlResponse;
}

const requestContext = new AsyncLocalStorage<RequestContext>();
const idleSockets: AsyncResource[] = [];
let next = 0;

function openSocket(): AsyncResource {
  const socket = new AsyncResource('SpiderSocket');
  idleSockets.push(socket);
  return socket;
}

function download(): void {
  const request = new Request(`http://shop.test/als/${next++}`);
  requestContext.run({ request }, () => {
    openSocket();
    const context = requestContext.getStore();
    if (context !== undefined) context.response = new HtmlResponse(request.url);
  });
}

export default {
  kind: 'leak',
  name: 'AsyncLocalStorage store captured by a pooled AsyncResource',
  target: [Request, HtmlResponse],
  fn: download,
  heldBy: 'idleSockets[',
} satisfies LeakCase;
