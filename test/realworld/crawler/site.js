// A small local site for the crawler tests: a few pages on 127.0.0.1 linking to each other.
const http = require('node:http');

const pages = {
  '/': ['/products', '/about'],
  '/products': ['/products/1', '/products/2', '/'],
  '/products/1': ['/products/2', '/products'],
  '/products/2': ['/products/1', '/products'],
  '/about': ['/'],
};

function startSite() {
  const server = http.createServer((req, res) => {
    const links = pages[req.url];
    if (links === undefined) {
      res.statusCode = 404;
      res.end('not found');
      return;
    }
    res.setHeader('content-type', 'text/html');
    res.end(`<html><body><h1>${req.url}</h1>${links.map((href) => `<a href="${href}">${href}</a>`).join(' ')}</body></html>`);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ origin: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((done) => server.close(done)) }));
  });
}

/** GETs a page through `agent` (default: Node's global agent, which keeps sockets alive on Node 19+). */
function get(url, agent = undefined) {
  return new Promise((resolve, reject) => {
    http.get(url, { agent }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

module.exports = { startSite, get, pageCount: Object.keys(pages).length };
