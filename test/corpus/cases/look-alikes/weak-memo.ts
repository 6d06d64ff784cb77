// Look-alike: link extraction memoized per response in a WeakMap, so parsing the same response twice
// is free. The memo is keyed by the short-lived response: when the response dies, its links go too.
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

class Link {
  constructor(readonly href: string) {}
}

function memoizeWeak<K extends object, V>(compute: (key: K) => V): (key: K) => V {
  const memo = new WeakMap<K, V>();
  return (key) => {
    if (!memo.has(key)) memo.set(key, compute(key));
    return memo.get(key) as V;
  };
}

const extractLinks = memoizeWeak((response: HtmlResponse): Link[] =>
  [...response.body.matchAll(/href="([^"]*)"/g)].map((m) => new Link(new URL(m[1] ?? '', response.url).href)),
);
const followed = { links: 0 };
let fetched = 0;

function parsePage(): void {
  const response = new HtmlResponse(`http://shop.test/p${fetched++}`, '<a href="/a">a</a><a href="/b">b</a>');
  const links = extractLinks(response);
  if (extractLinks(response) !== links) throw new Error('memo miss');
  followed.links += links.length;
}

export default {
  kind: 'look-alike',
  name: 'memo keyed by a short-lived response in a WeakMap',
  target: [HtmlResponse, Link],
  fn: parsePage,
  options: { runs: 3 },
  because: 'the WeakMap memo drops each entry (and its links) when its response key dies',
} satisfies LookAlikeCase;
