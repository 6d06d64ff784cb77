// Leak: download stats are kept per response in a Map keyed BY the response object (a WeakMap
// was meant); a Map holds its keys strongly, so every response stays alive.
import type { LeakCase } from '../../case';

class HtmlResponse {
  constructor(readonly url: string, readonly body: string) {}
}

const statsByResponse = new Map<HtmlResponse, { bytes: number; ms: number }>();
let next = 0;

function record(): void {
  const response = new HtmlResponse(`http://shop.test/stats/${next++}`, '<html></html>');
  statsByResponse.set(response, { bytes: response.body.length, ms: 12 });
}

export default {
  kind: 'leak',
  name: 'Map keyed by the response object',
  target: HtmlResponse,
  fn: record,
  heldBy: 'statsByResponse (Map key)',
} satisfies LeakCase;
