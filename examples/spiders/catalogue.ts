// The shop the example spiders crawl: deterministic product data and the HTML pages of a site.
// Pure functions (no I/O) so the server stays thin and tests can predict titles, prices and links.
// Every page's links carry the site prefix (e.g. `/somenasty/`) so URLs tell which spider fetched them.

export interface CatalogueOptions {
  /** Number of products, `pid` 1..products. */
  products: number;
  /** Number of categories, 1..categories; product `pid` is in category `1 + (pid - 1) % categories`. */
  categories: number;
}

export interface Product {
  pid: number;
  title: string;
  /** Price in cents, deterministic from the pid. */
  cents: number;
  category: number;
  related: number[];
}

const ADJECTIVES = ['Sturdy', 'Vintage', 'Compact', 'Deluxe', 'Quiet', 'Bright', 'Folding', 'Wireless'];
const NOUNS = ['Lamp', 'Kettle', 'Chair', 'Backpack', 'Teapot', 'Clock', 'Speaker', 'Umbrella', 'Desk'];

/** A small deterministic integer hash (xorshift-multiply), so prices and related links look random. */
function mix(n: number): number {
  let x = (n ^ 0x9e3779b9) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

export function product(pid: number, options: CatalogueOptions): Product | undefined {
  if (!Number.isInteger(pid) || pid < 1 || pid > options.products) {
    return undefined;
  }
  const h = mix(pid);
  const related: number[] = [];
  for (let i = 1; related.length < 4 && i < 16; i++) {
    const other = 1 + (mix(pid * 31 + i) % options.products);
    if (other !== pid && !related.includes(other)) {
      related.push(other);
    }
  }
  return {
    pid,
    title: `${ADJECTIVES[h % ADJECTIVES.length]} ${NOUNS[(h >>> 8) % NOUNS.length]} #${pid}`,
    cents: 199 + (h % 49_800),
    category: 1 + ((pid - 1) % options.categories),
    related,
  };
}

export function formatPrice(cents: number): string {
  return `$${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html>\n<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>\n<body>\n${body}\n</body></html>\n`;
}

/** `prefix` is the site's path prefix, '' or e.g. '/example'. */
export function homePage(prefix: string, options: CatalogueOptions): string {
  const links: string[] = [];
  for (let c = 1; c <= options.categories; c++) {
    links.push(`<li><a class="category" href="${prefix}/category/${c}">Category ${c}</a></li>`);
  }
  return page(
    'Shop',
    `<h1 class="title">Shop</h1>\n<ul>\n${links.join('\n')}\n</ul>\n` +
      `<form action="${prefix}/search" method="post"><input name="q"><button>Search</button></form>`,
  );
}

export function categoryPage(prefix: string, category: number, options: CatalogueOptions): string | undefined {
  if (!Number.isInteger(category) || category < 1 || category > options.categories) {
    return undefined;
  }
  const links: string[] = [];
  for (let pid = category; pid <= options.products; pid += options.categories) {
    links.push(`<li><a class="product" href="${prefix}/product.php?pid=${pid}">Product ${pid}</a></li>`);
  }
  return page(
    `Category ${category}`,
    `<h1 class="title">Category ${category}</h1>\n<a href="${prefix}/">Home</a>\n<ul>\n${links.join('\n')}\n</ul>`,
  );
}

export function productPage(prefix: string, pid: number, options: CatalogueOptions): string | undefined {
  const p = product(pid, options);
  if (p === undefined) {
    return undefined;
  }
  const related = p.related
    .map((r) => `<li><a class="related" href="${prefix}/product.php?pid=${r}">Product ${r}</a></li>`)
    .join('\n');
  return page(
    p.title,
    `<h1 class="title">${escapeHtml(p.title)}</h1>\n<span class="price">${formatPrice(p.cents)}</span>\n` +
      `<a class="category" href="${prefix}/category/${p.category}">Category ${p.category}</a>\n` +
      `<h2>Related products</h2>\n<ul>\n${related}\n</ul>`,
  );
}

/** Products whose title contains `query` (case-insensitive), at most `limit` of them. */
export function searchPage(prefix: string, query: string, options: CatalogueOptions, limit = 20): string {
  const needle = query.trim().toLowerCase();
  const links: string[] = [];
  for (let pid = 1; pid <= options.products && links.length < limit && needle !== ''; pid++) {
    const p = product(pid, options);
    if (p !== undefined && p.title.toLowerCase().includes(needle)) {
      links.push(`<li><a class="product" href="${prefix}/product.php?pid=${pid}">${escapeHtml(p.title)}</a></li>`);
    }
  }
  return page(
    `Search: ${query}`,
    `<h1 class="title">Search: ${escapeHtml(query)}</h1>\n<ul>\n${links.join('\n')}\n</ul>`,
  );
}
