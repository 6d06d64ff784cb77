// Leak: Spider keeps a class-level list of every instance (`static all`) for its stats command;
// spiders are created per crawl job and never removed from it.
import { ObjectRef } from 'trackref';
import type { LeakCase } from '../../case';

class Spider extends ObjectRef {
  static all: Spider[] = [];
  constructor(readonly name: string) {
    super();
    Spider.all.push(this);
  }
}

let next = 0;

async function runJob(): Promise<void> {
  const spider = new Spider(`shop-${next++}`);
  await Promise.resolve(spider.name);
}

export default {
  kind: 'leak',
  name: 'class static list of all instances',
  target: Spider,
  fn: runJob,
  options: { runs: 3 },
  heldBy: 'Spider.all[',
} satisfies LeakCase;
