// Leak: the crawl frontier is modelled as a tree of Page nodes under a module-level root (the
// start URL); every discovered page is appended as a child and finished subtrees are never pruned,
// so the tree grows with the crawl.
import { ObjectRef } from 'trackref';
import type { LeakCase } from '../../case';

class Page extends ObjectRef {
  readonly children: Page[] = [];
  constructor(readonly url: string, readonly parent?: Page) {
    super();
    parent?.children.push(this);
  }
}

const siteRoot = new Page('http://shop.test/');
let next = 0;

function discover(): void {
  const category = new Page(`http://shop.test/cat/${next++}`, siteRoot);
  new Page(`${category.url}/p1`, category);
}

export default {
  kind: 'leak',
  name: 'child pages appended to a long-lived root',
  target: Page,
  fn: discover,
  options: { runs: 3 },
  heldBy: 'siteRoot.children[',
} satisfies LeakCase;
