// Leak: a debugging aid left in production: every response is pushed onto a registry hung off
// `globalThis` so it can be inspected from a REPL. Nothing ever removes them.
import type { LeakCase } from '../../case';

class HtmlResponse {
  constructor(readonly url: string, readonly status: number) {}
}

interface SpiderDebug {
  responses: HtmlResponse[];
}

const g = globalThis as typeof globalThis & { __spiderDebug?: SpiderDebug };
let next = 0;

function onResponse(): void {
  const response = new HtmlResponse(`http://shop.test/debug/${next++}`, 200);
  (g.__spiderDebug ??= { responses: [] }).responses.push(response);
}

export default {
  kind: 'leak',
  name: 'global debug registry on globalThis',
  target: HtmlResponse,
  fn: onResponse,
  heldBy: 'globalThis.__spiderDebug.responses[',
} satisfies LeakCase;
