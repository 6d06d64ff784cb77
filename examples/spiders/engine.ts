// The crawl engine: for each spider, workers pop Requests from its Scheduler, fetch them with the
// global `fetch`, wrap the answer in an HtmlResponse, run the spider's callback, schedule the new
// Requests and collect the Items. `crawl()` runs one spider to the end; `Crawler` runs several at once.
import { setMaxListeners } from 'node:events';
import { HtmlResponse, Request, Response, SpiderOutput } from './http';
import { Item } from './item';
import { Scheduler } from './scheduler';
import type { Spider } from './spider';

export interface CrawlOptions {
  /** Stop dispatching after this many requests per spider (default: no limit). */
  maxPages?: number;
  /** Stop each spider after this many milliseconds; in-flight fetches are aborted (default: none). */
  timeLimitMs?: number;
  /** Requests in flight per spider (default 4). */
  concurrency?: number;
  /** Stop when aborted, like the time limit. */
  signal?: AbortSignal;
  /** An item pipeline: called for each item as it is scraped. */
  onItem?: (item: Item, spider: Spider) => void;
  /** Keep the items in the result (default: true unless `onItem` is given). */
  collectItems?: boolean;
  /** Reject when a fetch or a callback failed (default true), so tests cannot pass on a broken crawl. */
  throwOnError?: boolean;
  /** The fetch to use (default: the global `fetch`). */
  fetch?: typeof fetch;
}

export type StopReason = 'finished' | 'maxPages' | 'timeLimit' | 'aborted';

export interface CrawlStats {
  spider: string;
  /** Requests dispatched. */
  requests: number;
  /** Responses received (any status). */
  responses: number;
  items: number;
  errors: number;
  /** Requests dropped because the scheduler had seen them. */
  duplicates: number;
  /** Requests dropped because the spider does not allow their URL. */
  offsite: number;
  /** Requests still queued when the crawl stopped (dropped). */
  pending: number;
  stopReason: StopReason;
  elapsedMs: number;
}

export interface CrawlResult {
  stats: CrawlStats;
  items: Item[];
  errors: Error[];
}

const MAX_KEPT_ERRORS = 20;

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

function isIterable(value: unknown): value is Iterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.iterator in value;
}

/** Runs one spider: its scheduler, its workers, its limits. Use `crawl()` or `Crawler` instead. */
export class Engine {
  readonly spider: Spider;
  readonly scheduler = new Scheduler();
  readonly #options: CrawlOptions;
  /** Aborts in-flight fetches when the crawl stops. fetch adds one listener per request and drops it
   * only once the request is garbage-collected, so a long crawl legitimately has many. */
  readonly #abort = (() => {
    const controller = new AbortController();
    setMaxListeners(10_000, controller.signal);
    return controller;
  })();
  readonly #items: Item[] = [];
  readonly #errors: Error[] = [];
  #waiters: Array<() => void> = [];
  #inFlight = 0;
  #stopReason: StopReason | undefined;
  #started = false;
  readonly #counts = { requests: 0, responses: 0, items: 0, errors: 0, offsite: 0 };

  constructor(spider: Spider, options: CrawlOptions = {}) {
    this.spider = spider;
    this.#options = options;
  }

  /** Stops dispatching and aborts in-flight fetches; `run()` then resolves. */
  stop(reason: StopReason = 'aborted'): void {
    if (this.#stopReason === undefined) {
      this.#stopReason = reason;
      this.#abort.abort(new Error(`crawl stopped: ${reason}`));
      this.#notify();
    }
  }

  get stopping(): boolean {
    return this.#stopReason !== undefined;
  }

  async run(): Promise<CrawlResult> {
    if (this.#started) {
      throw new Error('an Engine runs once; create a new one (or call crawl()) for another crawl');
    }
    this.#started = true;
    const started = Date.now();
    const { timeLimitMs, signal } = this.#options;
    const timer = timeLimitMs === undefined ? undefined : setTimeout(() => this.stop('timeLimit'), timeLimitMs);
    const onAbort = (): void => this.stop('aborted');
    if (signal?.aborted) {
      this.stop('aborted');
    }
    signal?.addEventListener('abort', onAbort);
    try {
      for (const request of this.spider.startRequests()) {
        this.#schedule(request);
      }
      const concurrency = Math.max(1, this.#options.concurrency ?? 4);
      await Promise.all(Array.from({ length: concurrency }, () => this.#worker()));
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
    const maxPages = this.#options.maxPages ?? Infinity;
    const pending = this.scheduler.clear();
    const stats: CrawlStats = {
      spider: this.spider.name,
      ...this.#counts,
      duplicates: this.scheduler.duplicates,
      pending,
      stopReason: this.#stopReason ?? (pending > 0 && this.#counts.requests >= maxPages ? 'maxPages' : 'finished'),
      elapsedMs: Date.now() - started,
    };
    const result: CrawlResult = { stats, items: this.#items.splice(0), errors: this.#errors.splice(0) };
    if (result.errors.length > 0 && (this.#options.throwOnError ?? true)) {
      throw new Error(
        `${this.spider.name}: ${stats.errors} error(s) during the crawl, first: ${result.errors[0]!.message}`,
        { cause: result.errors[0] },
      );
    }
    return result;
  }

  async #worker(): Promise<void> {
    const maxPages = this.#options.maxPages ?? Infinity;
    while (this.#stopReason === undefined && this.#counts.requests < maxPages) {
      const request = this.scheduler.next();
      if (request === undefined) {
        if (this.#inFlight === 0) {
          return; // nothing queued and nothing that could queue more: the crawl is over
        }
        await new Promise<void>((resolve) => this.#waiters.push(resolve));
        continue;
      }
      this.#counts.requests++;
      this.#inFlight++;
      try {
        await this.#process(request);
      } catch (error) {
        if (this.#stopReason === undefined) {
          this.#fail(request, error);
        }
      } finally {
        this.#inFlight--;
        this.#notify();
      }
    }
  }

  async #process(request: Request): Promise<void> {
    const fetchImpl = this.#options.fetch ?? fetch;
    const answer = await fetchImpl(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: this.#abort.signal,
    });
    const body = await answer.text();
    const headers: Record<string, string> = {};
    answer.headers.forEach((value, key) => {
      headers[key] = value;
    });
    const init = { url: answer.url || request.url, status: answer.status, headers, body, request };
    const isHtml = /\bhtml\b/i.test(headers['content-type'] ?? '');
    const response = isHtml ? new HtmlResponse(init) : new Response(init);
    this.#counts.responses++;
    if (response.status >= 400) {
      throw new Error(`HTTP ${response.status}`);
    }
    if (response instanceof HtmlResponse) {
      const callback = request.callback ?? this.spider.parse;
      await this.#consume(callback.call(this.spider, response));
    }
  }

  async #consume(output: SpiderOutput): Promise<void> {
    if (isAsyncIterable(output)) {
      for await (const value of output) this.#accept(value);
    } else if (isIterable(output)) {
      for (const value of output) this.#accept(value);
    } else {
      await output;
    }
  }

  #accept(value: unknown): void {
    if (value instanceof Request) {
      this.#schedule(value);
    } else if (value instanceof Item) {
      this.#counts.items++;
      this.#options.onItem?.(value, this.spider);
      if (this.#options.collectItems ?? this.#options.onItem === undefined) {
        this.#items.push(value);
      }
    } else {
      throw new TypeError(`${this.spider.name} produced ${String(value)}; callbacks yield Requests and Items`);
    }
  }

  #schedule(request: Request): void {
    if (!this.spider.allows(request.url)) {
      this.#counts.offsite++;
    } else if (this.scheduler.enqueue(request)) {
      this.#notify();
    }
  }

  #fail(request: Request, error: unknown): void {
    this.#counts.errors++;
    if (this.#errors.length < MAX_KEPT_ERRORS) {
      const message = error instanceof Error ? error.message : String(error);
      this.#errors.push(new Error(`${request.method} ${request.url}: ${message}`, { cause: error }));
    }
  }

  #notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}

/** Runs several spiders concurrently, each with its own scheduler and the same options. */
export class Crawler {
  readonly options: CrawlOptions;
  readonly #engines = new Set<Engine>();

  constructor(options: CrawlOptions = {}) {
    this.options = options;
  }

  /** Engines currently running (e.g. to look at their schedulers from a console). */
  get engines(): Engine[] {
    return [...this.#engines];
  }

  /** Resolves with one result per spider, in order, when all have stopped. */
  async crawl(...spiders: Spider[]): Promise<CrawlResult[]> {
    const engines = spiders.map((spider) => new Engine(spider, this.options));
    for (const engine of engines) this.#engines.add(engine);
    try {
      const settled = await Promise.allSettled(engines.map((engine) => engine.run()));
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed !== undefined) {
        throw failed.reason;
      }
      return settled.map((s) => (s as PromiseFulfilledResult<CrawlResult>).value);
    } finally {
      for (const engine of engines) this.#engines.delete(engine);
    }
  }

  stop(reason: StopReason = 'aborted'): void {
    for (const engine of this.#engines) engine.stop(reason);
  }
}

/** Crawls with one spider until its queue is empty or a limit is reached. */
export async function crawl(spider: Spider, options: CrawlOptions = {}): Promise<CrawlResult> {
  return new Engine(spider, options).run();
}
