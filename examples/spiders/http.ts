// Requests and responses of the mini spider framework, shaped like Scrapy's: a Request carries a
// callback and a `meta` object; a Response keeps the Request that produced it (`response.meta` is
// `request.meta`). All extend ObjectRef, so trackref counts them: this is where leaks show up.
import { ObjectRef } from 'trackref';
import type { Item } from './item';
import { Selector } from './selector';
import type { Spider } from './spider';

/** Anything a callback may produce: new requests to crawl and items to collect. */
export type SpiderOutput =
  | Iterable<Request | Item>
  | AsyncIterable<Request | Item>
  | Promise<void>
  | void;

/** A spider method handling a response; the engine calls it with `this` bound to the spider. */
export type Callback = (this: Spider, response: HtmlResponse) => SpiderOutput;

export type Meta = Record<string, unknown>;

export interface RequestInit {
  callback?: Callback;
  /** Free-form data travelling with the request to its response (`response.meta`). */
  meta?: Meta;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Crawl it even if the scheduler saw the same request before. */
  dontFilter?: boolean;
}

export class Request extends ObjectRef {
  readonly url: string;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: string | undefined;
  readonly callback: Callback | undefined;
  readonly meta: Meta;
  readonly dontFilter: boolean;

  constructor(url: string, init: RequestInit = {}) {
    super();
    this.url = new URL(url).href;
    this.method = (init.method ?? 'GET').toUpperCase();
    this.headers = { ...init.headers };
    this.body = init.body;
    this.callback = init.callback;
    this.meta = init.meta ?? {};
    this.dontFilter = init.dontFilter ?? false;
  }

  /** What the scheduler deduplicates on: method, URL and body. */
  get fingerprint(): string {
    return this.body === undefined ? `${this.method} ${this.url}` : `${this.method} ${this.url} ${this.body}`;
  }

  override toString(): string {
    return `<${this.method} ${this.url}>`;
  }
}

export interface FormRequestInit extends Omit<RequestInit, 'body'> {
  /** Form fields, sent `application/x-www-form-urlencoded` (POST) or as the query string (GET). */
  formdata: Record<string, string>;
}

/** A request submitting a form, like Scrapy's FormRequest. */
export class FormRequest extends Request {
  readonly formdata: Readonly<Record<string, string>>;

  constructor(url: string, init: FormRequestInit) {
    const method = (init.method ?? 'POST').toUpperCase();
    const encoded = new URLSearchParams(init.formdata).toString();
    if (method === 'GET') {
      const target = new URL(url);
      target.search = encoded;
      super(target.href, { ...init, method });
    } else {
      super(url, {
        ...init,
        method,
        body: encoded,
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...init.headers },
      });
    }
    this.formdata = { ...init.formdata };
  }
}

export interface ResponseInit {
  url: string;
  status: number;
  headers?: Record<string, string>;
  body: string;
  request: Request;
}

export class Response extends ObjectRef {
  readonly url: string;
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** The request this response answers (and through it, its callback and meta). */
  readonly request: Request;

  constructor(init: ResponseInit) {
    super();
    this.url = init.url;
    this.status = init.status;
    this.headers = init.headers ?? {};
    this.body = init.body;
    this.request = init.request;
  }

  /** The request's meta, as in Scrapy. */
  get meta(): Meta {
    return this.request.meta;
  }

  /** A new request for `href` resolved against this response's URL. */
  follow(href: string, init?: RequestInit): Request {
    return new Request(new URL(href, this.url).href, init);
  }

  override toString(): string {
    return `<${this.status} ${this.url}>`;
  }
}

export class HtmlResponse extends Response {
  #selector: Selector | undefined;

  /** A Selector over the body, created on first use and kept for the response's lifetime. */
  get selector(): Selector {
    return (this.#selector ??= new Selector(this.body, this.url));
  }

  css(query: string): ReturnType<Selector['css']> {
    return this.selector.css(query);
  }

  links(query?: string): string[] {
    return this.selector.links(query);
  }
}
