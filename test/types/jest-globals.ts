// Type fixture for Jest 29 and 30 with `import { expect } from '@jest/globals'` (no @types/jest in
// the program). Checked with `tsc --noEmit` by scripts/matrix.mjs in every Jest cell, under each
// module resolution and each way of bringing the types in (see test/types/README.md). Never run.
import { expect, test } from '@jest/globals';

class HtmlResponse {
  url = '';
}
abstract class Request {}
class Spider {}
class Item {}
declare function crawl(): void;
declare function crawlAsync(): Promise<number>;

test('toLeak compiles', async () => {
  await expect(crawl).not.toLeak(HtmlResponse);
  await expect(crawlAsync).not.toLeak();
  await expect(crawl).not.toLeak('HtmlResponse');
  await expect(() => crawl()).not.toLeak([Request, HtmlResponse]);
  await expect(crawl).not.toLeak([Request, 'HtmlResponse'], { runs: 3, tolerance: 0, warmup: 1, ignore: [Spider], timeout: 1000 });
  await expect(crawl).not.toLeak({ ignore: Spider });
  await expect(crawl).toLeak(HtmlResponse);
  await expect(async () => crawlAsync()).toLeak(Item, {});

  // The matcher is asynchronous: its result is a promise to await.
  const pending: Promise<unknown> = expect(crawl).not.toLeak(HtmlResponse);
  await pending;
});

test('toLeak rejects misuse', async () => {
  // @ts-expect-error a number is not a class or a class name
  await expect(crawl).not.toLeak(42);
  // @ts-expect-error an explicit undefined target is refused (write toLeak() or toLeak(options))
  await expect(crawl).not.toLeak(undefined);
  // @ts-expect-error an explicit undefined target is refused, with options too
  await expect(crawl).not.toLeak(undefined, { runs: 3 });
  // @ts-expect-error null is not a class
  await expect(crawl).not.toLeak(null);
  // @ts-expect-error unknown option key when options come alone
  await expect(crawl).not.toLeak({ runz: 3 });
  // @ts-expect-error an instance is not a class
  await expect(crawl).not.toLeak(new HtmlResponse());
  // @ts-expect-error unknown option key
  await expect(crawl).not.toLeak(HtmlResponse, { runz: 3 });
  // @ts-expect-error wrong option type
  await expect(crawl).not.toLeak(HtmlResponse, { runs: '3' });
  // @ts-expect-error ignore takes classes or class names
  await expect(crawl).not.toLeak(HtmlResponse, { ignore: [1] });
});
