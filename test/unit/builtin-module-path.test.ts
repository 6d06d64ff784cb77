// A path from Node's own record of a built-in module reads as that module's exports, named as users
// require it. A new user's node-fetch 2 response never read (a 1 MB body): the path started at
// `BuiltinModule.map.get('_http_agent').exports … .sockets[…][2].parser.incoming`, Node's module
// loader, with `globalAgent` folded away. Here the http module is required inside a function, so
// that no variable of this file holds it (node-fetch holds it in node_modules).
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { expect, test } from 'vitest';
import { checkLeaks } from 'trackref';

test("a response never read, reached through Node's global agent: exports.globalAgent … (node:http)", async () => {
  const load = createRequire(import.meta.url);
  const http = load('node:http') as typeof import('node:http');
  const body = Buffer.alloc(1 << 20, 120);
  const server = http.createServer((_req, res) => res.end(body));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const report = await checkLeaks(
      () =>
        new Promise<number>((resolve, reject) => {
          // The response's body is never read: its socket stays busy, holding the response.
          (load('node:http') as typeof import('node:http')).get(`http://127.0.0.1:${port}/`, (res) => resolve(res.statusCode ?? 0)).on('error', reject);
        }),
      http.IncomingMessage,
    );
    expect(report.leaked, report.format()).toBe(true);
    const path = report.rows[0]!.oldest[0]!.retainerPath!;
    expect(path, report.format()).not.toMatch(/BuiltinModule/);
    expect(path, report.format()).toMatch(/^exports\.globalAgent\.sockets\['127\.0\.0\.1:\d+:'\]\[\d+\]\.parser\.incoming \(node:http\)$/);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}, 120_000);
