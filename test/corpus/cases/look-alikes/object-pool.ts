// Look-alike: an object pool. Four parsers (each with a 4 KiB scratch buffer) are pre-allocated when
// the module loads; fn borrows two and gives them back. Live parsers stay at four, with no warm-up.
import { ObjectRef } from 'trackref';
import type { LookAlikeCase } from '../../case';

class HtmlParser extends ObjectRef {
  readonly scratch = new Uint8Array(4096);
  used = 0;

  parse(html: string): number {
    this.used = Math.min(html.length, this.scratch.length);
    return (html.match(/<a /g) ?? []).length;
  }

  reset(): void {
    this.scratch.fill(0, 0, this.used);
    this.used = 0;
  }
}

class ParserPool {
  private readonly free: HtmlParser[] = [];

  constructor(private readonly size: number) {
    for (let i = 0; i < size; i++) this.free.push(new HtmlParser());
  }

  acquire(): HtmlParser {
    return this.free.pop() ?? new HtmlParser();
  }

  release(parser: HtmlParser): void {
    parser.reset();
    if (this.free.length < this.size) this.free.push(parser);
  }
}

const pool = new ParserPool(4);
const found = { links: 0 };

function parseTwoPages(): void {
  const first = pool.acquire();
  const second = pool.acquire();
  try {
    found.links += first.parse('<a href="/1">one</a>') + second.parse('<a href="/2">two</a><a href="/3">three</a>');
  } finally {
    pool.release(first);
    pool.release(second);
  }
}

export default {
  kind: 'look-alike',
  name: 'object pool that pre-allocates and reuses parsers',
  target: HtmlParser,
  fn: parseTwoPages,
  options: { warmup: 0, runs: 3 },
  because: 'the pool made its four parsers at module load; fn borrows and returns them, creating none',
} satisfies LookAlikeCase;
