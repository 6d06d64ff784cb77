// Look-alike: fire-and-forget post-processing. fn starts a promise chain (parse, then archive with a
// 10 ms write) and returns without awaiting it; the chain holds the response until it settles,
// about 10 ms after fn returned.
import { ObjectRef } from 'trackref';
import type { LookAlikeCase } from '../../case';

class HtmlResponse extends ObjectRef {
  constructor(
    readonly url: string,
    readonly body: string,
  ) {
    super();
  }
}

const archive = { pages: 0, titles: [] as string[] };
let fetched = 0;

function writeSlowly(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 10).unref());
}

function fetchPage(): void {
  const response = new HtmlResponse(`http://shop.test/p${fetched++}`, '<title>Shoes</title>');
  void Promise.resolve(response)
    .then((r) => /<title>(.*)<\/title>/.exec(r.body)?.[1] ?? '')
    .then(async (title) => {
      await writeSlowly();
      archive.pages++;
      archive.titles = [title, response.url];
    });
}

export default {
  kind: 'look-alike',
  name: 'promise chain that settles shortly after fn returns',
  target: HtmlResponse,
  fn: fetchPage,
  because: 'the un-awaited chain settles about 10 ms after fn returns and then releases the response',
} satisfies LookAlikeCase;
