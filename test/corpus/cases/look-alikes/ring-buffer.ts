// Look-alike: a crawler keeps the last 5 responses for its debug page in a ring buffer. It grows
// during the first calls and then overwrites its oldest slot on every call. Over 7 runs with
// `growth: 'every-run'` that is not a leak.
import { ObjectRef } from 'trackref';
import type { LookAlikeCase } from '../../case';

class HtmlResponse extends ObjectRef {
  constructor(readonly url: string) {
    super();
  }
}

const SIZE = 5;
const recent: Array<HtmlResponse | undefined> = new Array<HtmlResponse | undefined>(SIZE).fill(undefined);
let written = 0;

function fetchAndRemember(): void {
  const response = new HtmlResponse(`http://shop.test/p${written}`);
  recent[written % SIZE] = response;
  written++;
}

export default {
  kind: 'look-alike',
  name: 'ring buffer of the last 5 responses',
  target: HtmlResponse,
  fn: fetchAndRemember,
  options: { runs: 7, growth: 'every-run' },
  because: 'the buffer holds at most 5 responses; once full, each call overwrites (and frees) the oldest',
} satisfies LookAlikeCase;
