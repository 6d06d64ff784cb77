// Leak: responses are wrapped in a change-tracking Proxy for a live dashboard, and the wrappers are
// kept in a module-level list of "watched" objects; a Proxy holds its target, so every wrapped
// response stays alive.
import { ObjectRef } from 'trackref';
import type { LeakCase } from '../../case';

class HtmlResponse extends ObjectRef {
  status = 0;
  constructor(readonly url: string) {
    super();
  }
}

const watched: HtmlResponse[] = [];
const changes: string[] = [];
let next = 0;

function watch(response: HtmlResponse): HtmlResponse {
  const proxy = new Proxy(response, {
    set(target, key, value: unknown) {
      changes.push(String(key));
      return Reflect.set(target, key, value);
    },
  });
  watched.push(proxy);
  return proxy;
}

export default {
  kind: 'leak',
  name: 'Proxy wrapper kept in a long-lived list',
  target: HtmlResponse,
  fn: () => {
    watch(new HtmlResponse(`http://shop.test/proxy/${next++}`)).status = 200;
  },
  heldBy: 'watched[',
} satisfies LeakCase;
