// Look-alike: a response body streamed to a sink with stream.pipeline(), which ends both streams and
// cleans up their listeners when the copy finishes. The body stream holds its response.
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ObjectRef } from 'trackref';
import type { LookAlikeCase } from '../../case';

class HtmlResponse extends ObjectRef {
  constructor(
    readonly url: string,
    readonly chunks: readonly string[],
  ) {
    super();
  }
}

class ResponseBody extends Readable {
  private next = 0;

  constructor(readonly response: HtmlResponse) {
    super({ encoding: 'utf8' });
  }

  override _read(): void {
    const chunk = this.response.chunks[this.next++];
    this.push(chunk === undefined ? null : chunk);
  }
}

const saved = { files: 0, bytes: 0 };
let fetched = 0;

async function saveBody(): Promise<void> {
  const response = new HtmlResponse(`http://shop.test/p${fetched++}`, ['<html>', '<body>shoes</body>', '</html>']);
  const sink = new Writable({
    write(chunk: Buffer | string, _encoding, callback): void {
      saved.bytes += chunk.length;
      callback();
    },
  });
  await pipeline(new ResponseBody(response), sink);
  saved.files++;
}

export default {
  kind: 'look-alike',
  name: 'response body stream piped to the end',
  target: [HtmlResponse, ResponseBody],
  fn: saveBody,
  because: 'pipeline() ends both streams and removes its listeners before fn settles',
} satisfies LookAlikeCase;
