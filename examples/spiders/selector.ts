// A deliberately tiny HTML selector (no dependencies): `links()` for `<a href>` and `css()` for the
// simple queries `tag`, `.class`, `tag.class` and `#id`. Regex based, so no nested same-name elements.
// It extends ObjectRef, like Scrapy's Selector, so live selectors show up in `prefs()`.
import { ObjectRef } from 'trackref';

export interface Element {
  tag: string;
  attrs: Record<string, string>;
  /** Inner HTML with tags removed, entities decoded and whitespace collapsed. */
  text: string;
}

const OPEN_TAG = /<([a-zA-Z][a-zA-Z0-9-]*)\b([^>]*)>/g;
const ATTR = /([^\s=/>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g;
const QUERY = /^([a-zA-Z][a-zA-Z0-9-]*)?(?:\.([\w-]+)|#([\w-]+))?$/;

export function decodeEntities(text: string): string {
  return text.replace(/&(#\d+|#x[0-9a-fA-F]+|amp|lt|gt|quot|apos|nbsp);/g, (_, e: string) => {
    if (e[0] === '#') {
      return String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    }
    return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' } as Record<string, string>)[e] ?? '';
  });
}

function parseAttrs(source: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  for (const m of source.matchAll(ATTR)) {
    attrs[m[1]!.toLowerCase()] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
  }
  return attrs;
}

export class Selector extends ObjectRef {
  readonly html: string;
  /** URL the HTML came from; relative links are resolved against it. */
  readonly baseUrl: string | undefined;

  constructor(html: string, baseUrl?: string) {
    super();
    this.html = html;
    this.baseUrl = baseUrl;
  }

  /** Elements matching `tag`, `.class`, `tag.class` or `#id`, in document order. */
  css(query: string): Element[] {
    const q = QUERY.exec(query.trim());
    if (q === null || (q[1] === undefined && q[2] === undefined && q[3] === undefined)) {
      throw new Error(`Selector.css() supports 'tag', '.class', 'tag.class' and '#id', not ${JSON.stringify(query)}`);
    }
    const [, tag, cls, id] = q;
    const lower = this.html.toLowerCase();
    const out: Element[] = [];
    for (const m of this.html.matchAll(OPEN_TAG)) {
      const name = m[1]!.toLowerCase();
      if (tag !== undefined && name !== tag.toLowerCase()) continue;
      const attrs = parseAttrs(m[2]!);
      if (cls !== undefined && !(attrs['class'] ?? '').split(/\s+/).includes(cls)) continue;
      if (id !== undefined && attrs['id'] !== id) continue;
      const start = m.index! + m[0].length;
      const end = lower.indexOf(`</${name}>`, start);
      const inner = end < 0 ? '' : this.html.slice(start, end);
      out.push({ tag: name, attrs, text: decodeEntities(inner.replace(/<[^>]*>/g, ' ')).replace(/\s+/g, ' ').trim() });
    }
    return out;
  }

  /** Text of the first element matching `query`, or undefined. */
  text(query: string): string | undefined {
    return this.css(query)[0]?.text;
  }

  /** Text of every element matching `query`. */
  texts(query: string): string[] {
    return this.css(query).map((e) => e.text);
  }

  /** Absolute URLs of the `<a href>` elements matching `query` (default: every link). */
  links(query = 'a'): string[] {
    const out: string[] = [];
    for (const el of this.css(query)) {
      const href = el.attrs['href'];
      if (href === undefined || href.startsWith('#') || /^(javascript|mailto):/i.test(href)) continue;
      try {
        out.push(new URL(href, this.baseUrl).href);
      } catch {
        // not a URL we can resolve (e.g. relative with no base URL): skip it
      }
    }
    return out;
  }
}
