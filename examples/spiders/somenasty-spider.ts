// SomenastySpider, the leaky one from Scrapy's "Debugging memory leaks" page: it passes the response
// itself along, `meta: { referer: response }`, and logs every request in a class-level `history`, so
// each HtmlResponse (and the chain of referers behind it) lives as long as the process. Do not copy.
import { HtmlResponse, Request } from './http';
import { ProductItem } from './item';
import { Spider } from './spider';
import type { ShopSpiderOptions } from './example-spider';

export class SomenastySpider extends Spider {
  /**
   * Every request any SomenastySpider ever made, "for the crawl log". Class-level, so it outlives
   * the spider and the crawl: through `request.meta.referer` it keeps every parent response alive.
   */
  static readonly history: Request[] = [];

  constructor(options: ShopSpiderOptions) {
    super({ name: options.name, startUrls: [options.baseUrl] });
  }

  /** `url <- referer url` for each logged request. */
  static crawlLog(): string[] {
    return SomenastySpider.history.map((r) => `${r.url} <- ${(r.meta['referer'] as HtmlResponse | undefined)?.url}`);
  }

  /** Empties the log (which ends the leak for the responses logged so far). */
  static forget(): void {
    SomenastySpider.history.length = 0;
  }

  *parse(response: HtmlResponse): Iterable<Request> {
    for (const url of response.links('a.category')) {
      yield this.#log(new Request(url, { callback: this.parseCategory, meta: { referer: response } }));
    }
  }

  *parseCategory(response: HtmlResponse): Iterable<Request> {
    for (const url of response.links('a.product')) {
      // The line from the Scrapy docs: the response rides along in the request's meta.
      yield this.#log(new Request(url, { callback: this.parseProduct, meta: { referer: response } }));
    }
  }

  *parseProduct(response: HtmlResponse): Iterable<Request | ProductItem> {
    const referer = response.meta['referer'] as HtmlResponse | undefined;
    yield new ProductItem({
      url: response.url,
      title: response.selector.text('h1.title') ?? '',
      price: response.selector.text('.price') ?? '',
      referer: referer?.url,
    });
    for (const url of response.links('a.related')) {
      yield this.#log(new Request(url, { callback: this.parseProduct, meta: { referer: response } }));
    }
  }

  #log(request: Request): Request {
    SomenastySpider.history.push(request);
    return request;
  }
}
