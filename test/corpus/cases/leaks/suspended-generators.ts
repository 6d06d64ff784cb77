// Leak: paginated listings are consumed through generators, started and parked in a list to be
// resumed "later"; a suspended generator keeps its arguments and locals, so each parked paginator
// keeps its Page.
import type { LeakCase } from '../../case';

class Page {
  constructor(readonly url: string, readonly pages: number) {}
}

function* paginate(page: Page): Generator<string, void, void> {
  for (let n = 1; n <= page.pages; n++) yield `${page.url}?page=${n}`;
}

const parkedPaginators: Array<Generator<string, void, void>> = [];
let next = 0;

function startListing(): string | void {
  const paginator = paginate(new Page(`http://shop.test/cat/${next++}`, 40));
  const first = paginator.next();
  parkedPaginators.push(paginator);
  return first.done === true ? undefined : first.value;
}

export default {
  kind: 'leak',
  name: 'suspended generators parked in a list',
  target: Page,
  fn: startListing,
  heldBy: 'parkedPaginators[',
} satisfies LeakCase;
