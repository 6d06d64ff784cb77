// Look-alike: fn returns (resolves to) the response it fetched, as a helper under test naturally
// does. The matcher discards fn's return value and keeps no reference to it.
import { ObjectRef } from 'trackref';
import type { LookAlikeCase } from '../../case';

class HtmlResponse extends ObjectRef {
  constructor(
    readonly url: string,
    readonly status: number,
  ) {
    super();
  }
}

let fetched = 0;

async function fetchPage(): Promise<HtmlResponse> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  return new HtmlResponse(`http://shop.test/p${fetched++}`, 200);
}

export default {
  kind: 'look-alike',
  name: 'response returned by fn',
  target: HtmlResponse,
  fn: fetchPage,
  options: { runs: 3 },
  because: 'the matcher discards what fn returns or resolves to',
} satisfies LookAlikeCase;
