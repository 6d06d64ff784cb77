// jaredwray/keyv#101: one store (an EventEmitter, like a Redis client) shared by a Keyv per crawled
// host. keyv 4.2.9 adds an 'error' listener to the shared store for every new Keyv and never removes
// it, so every Keyv stays alive as long as the store. 4.3.0 lets you opt out with { emitErrors: false }.
const { EventEmitter } = require('node:events');
const Keyv = require('keyv');

class SharedStore extends EventEmitter {
  // a minimal Map-backed store with the store API keyv uses (get, set, delete, clear)
  constructor() {
    super();
    this.map = new Map();
  }
  get(key) { return this.map.get(key); }
  set(key, value) { this.map.set(key, value); return true; }
  delete(key) { return this.map.delete(key); }
  clear() { this.map.clear(); }
}

const store = new SharedStore(); // lives as long as the crawler

let n = 0;
async function cacheHost() {
  const host = `host${n++}.test`;
  const cache = new Keyv({ store, namespace: host }, { emitErrors: false });
  await cache.set('/', '<html></html>');
  const html = await cache.get('/');
  await cache.delete('/');
  return html.length;
}

test('a Keyv per host does not outlive its host', async () => {
  await expect(cacheHost).not.toLeak(Keyv);
});
