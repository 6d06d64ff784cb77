// Leak: each response's parse callback first awaits `pipelineReady`, a promise resolved when the
// item pipeline has connected to its database. The connection never comes up (the resolve is lost),
// so every suspended parse stays in the promise's reaction list with its response.
import { ObjectRef } from 'trackref';
import type { LeakCase } from '../../case';

class HtmlResponse extends ObjectRef {
  constructor(readonly url: string) {
    super();
  }
}

const pipeline = { markReady: (): void => {} };
const pipelineReady = new Promise<void>((resolve) => {
  pipeline.markReady = resolve; // meant to be called once the pipeline connects; it never is
});
const stored: string[] = [];
let next = 0;

async function parse(response: HtmlResponse): Promise<void> {
  await pipelineReady;
  stored.push(response.url);
}

export default {
  kind: 'leak',
  name: "parse awaits a 'ready' promise that never resolves",
  target: HtmlResponse,
  fn: () => {
    void parse(new HtmlResponse(`http://shop.test/wait/${next++}`));
  },
  heldBy: 'pipelineReady',
} satisfies LeakCase;
