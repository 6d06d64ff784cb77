// Leak: a helper makes a page cache per call and never closes it. Like node-cache (compiled from
// CoffeeScript), the cache's constructor arms a check timer bound to the cache and ends with an
// explicit `return;`; the timer keeps every cache alive until close() clears it. The class is not
// tracked: its births are seen by trackref's constructor hook, which must break on that `return;`
// (Node 24's V8 marks only the closing brace as the constructor's return, which it never reaches).
import { EventEmitter } from 'node:events';
import type { LeakCase } from '../../case';

class PageCache extends EventEmitter {
  readonly pages = new Map<string, string>();
  private timer: ReturnType<typeof setTimeout>;
  constructor(readonly name: string) {
    super();
    this.check = this.check.bind(this);
    this.timer = setTimeout(this.check, 600_000);
    this.timer.unref();
    return;
  }
  check(): void {
    this.pages.clear();
    this.timer = setTimeout(this.check, 600_000);
    this.timer.unref();
  }
  close(): void {
    clearTimeout(this.timer);
  }
}

let next = 0;

function renderPage(): string {
  const cache = new PageCache(`render ${next++}`);
  cache.pages.set('/', '<html></html>');
  return cache.pages.get('/')!;
}

export default {
  kind: 'leak',
  name: 'a cache per call, never closed (its own timer keeps it)',
  target: PageCache,
  fn: renderPage,
  heldBy: 'setTimeout(…, 600000) pending',
} satisfies LeakCase;
