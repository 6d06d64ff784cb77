// Look-alike: a parsed page is a tree full of cycles: every node points at its parent and its
// children, every node at its document, the document at its root, and the document at itself.
// Nothing outside the tree refers to it after the call, so the whole cycle is garbage.
import { ObjectRef } from 'trackref';
import type { LookAlikeCase } from '../../case';

class Document extends ObjectRef {
  root: Element | undefined;
  readonly self: Document = this;
}

class Element extends ObjectRef {
  parent: Element | undefined;
  readonly children: Element[] = [];

  constructor(
    readonly tag: string,
    readonly ownerDocument: Document,
  ) {
    super();
  }

  append(child: Element): Element {
    child.parent = this;
    this.children.push(child);
    return child;
  }
}

let parsed = 0;

function parsePage(): number {
  const doc = new Document();
  const html = new Element('html', doc);
  doc.root = html;
  const body = html.append(new Element('body', doc));
  for (let i = 0; i < 5; i++) body.append(new Element('a', doc)).append(new Element('span', doc));
  parsed++;
  return body.children.length;
}

export default {
  kind: 'look-alike',
  name: 'parent/child and self-reference cycles in a parsed tree',
  target: [Document, Element],
  fn: parsePage,
  options: { runs: 3 },
  because: 'cycles are collected when nothing outside them is reachable; the tree is unreachable after fn',
} satisfies LookAlikeCase;
