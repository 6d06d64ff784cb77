// Look-alike: a download cut off at a maximum size (Scrapy's DOWNLOAD_MAXSIZE). The consumer breaks
// out of `for await` once it has enough, which destroys the body stream; the stream, its response
// and its buffered chunks are released.
import { Readable } from 'node:stream';
import { ObjectRef } from 'trackref';
import type { LookAlikeCase } from '../../case';

class HtmlResponse extends ObjectRef {
  constructor(readonly url: string) {
    super();
  }
}

/** An endless body: it keeps producing chunks until its reader destroys it. */
class EndlessBody extends Readable {
  private sent = 0;

  constructor(readonly response: HtmlResponse) {
    super({ highWaterMark: 64 });
  }

  override _read(): void {
    this.push(Buffer.from(`<p>${this.response.url} chunk ${this.sent++}</p>`));
  }
}

const MAX_SIZE = 1024;
const stats = { cutOff: 0 };
let fetched = 0;

async function download(): Promise<void> {
  const body = new EndlessBody(new HtmlResponse(`http://shop.test/big${fetched++}`));
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > MAX_SIZE) break;
  }
  if (!body.destroyed) throw new Error('body not destroyed');
  stats.cutOff++;
}

export default {
  kind: 'look-alike',
  name: 'endless body stream destroyed at max size',
  target: [HtmlResponse, EndlessBody],
  fn: download,
  because: 'breaking out of for-await destroys the stream before fn settles; nothing refers to it afterwards',
} satisfies LookAlikeCase;
