// A local shop for the example spiders: `node:http` on 127.0.0.1 (random port by default) serving the
// catalogue of `catalogue.ts` at `/` and under any one-segment site prefix (`/example/`, `/somenasty/`).
// `close()` ends every connection (idle keep-alive ones too) and pending delays, so nothing outlives it.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CatalogueOptions, categoryPage, homePage, productPage, searchPage } from './catalogue';

export interface ServerOptions extends Partial<CatalogueOptions> {
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Artificial latency per page in milliseconds (default 0), so a crawl takes a realistic while. */
  delayMs?: number;
}

export interface RunningServer {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:43117`. */
  url: string;
  /** Pages served so far. */
  readonly hits: number;
  close(): Promise<void>;
}

/** `/[site]/`, `/[site]/category/N`, `/[site]/product.php?pid=N`, `POST /[site]/search`. */
const ROUTE = /^(\/(?!category\/|product\.php|search$)[a-z][a-z0-9-]*)?\/(?:(category)\/(\d+)|(product\.php)|(search))?$/;

export async function start(options: ServerOptions = {}): Promise<RunningServer> {
  const catalogue: CatalogueOptions = {
    products: options.products ?? 600,
    categories: options.categories ?? 12,
  };
  const delayMs = options.delayMs ?? 0;
  const timers = new Set<NodeJS.Timeout>();
  let hits = 0;

  const render = (method: string, url: URL, body: string): string | undefined => {
    const m = ROUTE.exec(url.pathname);
    if (m === null) return undefined;
    const prefix = m[1] ?? '';
    if (m[2] !== undefined) return categoryPage(prefix, Number(m[3]), catalogue);
    if (m[4] !== undefined) return productPage(prefix, Number(url.searchParams.get('pid')), catalogue);
    if (m[5] !== undefined) {
      return method === 'POST' ? searchPage(prefix, new URLSearchParams(body).get('q') ?? '', catalogue) : undefined;
    }
    return homePage(prefix, catalogue);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      hits++;
      const html = render(req.method ?? 'GET', new URL(req.url ?? '/', 'http://localhost'), Buffer.concat(chunks).toString());
      const send = (): void => {
        if (html === undefined) {
          res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        } else {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
        }
      };
      if (delayMs > 0) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          send();
        }, delayMs);
        timers.add(timer);
      } else {
        send();
      }
    });
  });
  server.keepAliveTimeout = 1000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}`,
    get hits() {
      return hits;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
