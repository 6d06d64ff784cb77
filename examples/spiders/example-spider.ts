// ExampleSpider, the well-behaved one: home -> categories -> products -> related products, one
// ProductItem per product. What it passes along in `meta` is the referring URL (a string), so each
// HtmlResponse can be collected as soon as its callback has run.
import { FormRequest, HtmlResponse, Request } from './http';
import { ProductItem } from './item';
import { Spider } from './spider';

export interface ShopSpiderOptions {
  /** The site's root, e.g. `http://127.0.0.1:43117/example/`; the spider stays under it. */
  baseUrl: string;
  name?: string;
  /** Also submit the search form with this query (a FormRequest). */
  search?: string;
}

export class ExampleSpider extends Spider {
  readonly search: string | undefined;

  constructor(options: ShopSpiderOptions) {
    super({ name: options.name, startUrls: [options.baseUrl] });
    this.search = options.search;
  }

  override *startRequests(): Iterable<Request> {
    yield* super.startRequests();
    if (this.search !== undefined) {
      yield new FormRequest(new URL('search', this.startUrls[0]).href, {
        formdata: { q: this.search },
        callback: this.parseListing,
      });
    }
  }

  *parse(response: HtmlResponse): Iterable<Request> {
    for (const url of response.links('a.category')) {
      yield new Request(url, { callback: this.parseListing, meta: { referer: response.url } });
    }
  }

  /** A category page or search results: links to products. */
  *parseListing(response: HtmlResponse): Iterable<Request> {
    for (const url of response.links('a.product')) {
      yield new Request(url, { callback: this.parseProduct, meta: { referer: response.url } });
    }
  }

  *parseProduct(response: HtmlResponse): Iterable<Request | ProductItem> {
    yield new ProductItem({
      url: response.url,
      title: response.selector.text('h1.title') ?? '',
      price: response.selector.text('.price') ?? '',
      referer: response.meta['referer'],
    });
    for (const url of response.links('a.related')) {
      yield new Request(url, { callback: this.parseProduct, meta: { referer: response.url } });
    }
  }
}
