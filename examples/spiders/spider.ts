// The Spider base class: a name, start URLs, the URL prefix it may crawl, and callbacks that turn
// responses into new Requests and Items. Tracked (extends ObjectRef) like Scrapy's BaseSpider,
// which is why `prefs()` lists one ExampleSpider / SomenastySpider per running spider.
import { ObjectRef } from 'trackref';
import { HtmlResponse, Request, SpiderOutput } from './http';

export interface SpiderOptions {
  /** Defaults to the class name. */
  name?: string;
  startUrls: string[];
  /**
   * URLs the spider may follow; requests elsewhere are dropped by the engine. Defaults to the
   * directory of each start URL (`http://host/example/` for `http://host/example/`).
   */
  allowedPrefixes?: string[];
}

export abstract class Spider extends ObjectRef {
  readonly name: string;
  readonly startUrls: readonly string[];
  readonly allowedPrefixes: readonly string[];

  constructor(options: SpiderOptions) {
    super();
    this.name = options.name ?? new.target.name;
    this.startUrls = [...options.startUrls];
    this.allowedPrefixes = options.allowedPrefixes ?? this.startUrls.map((u) => new URL('.', u).href);
  }

  /** The first requests; by default a GET of each start URL handled by `parse`. */
  *startRequests(): Iterable<Request> {
    for (const url of this.startUrls) {
      yield new Request(url, { callback: this.parse });
    }
  }

  /** The default callback. */
  abstract parse(response: HtmlResponse): SpiderOutput;

  /** Whether the engine may fetch `url` for this spider. */
  allows(url: string): boolean {
    return this.allowedPrefixes.some((prefix) => url.startsWith(prefix));
  }

  override toString(): string {
    return `<${this.constructor.name} ${JSON.stringify(this.name)}>`;
  }
}
