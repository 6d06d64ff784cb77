// Plain-Node reproduction (node --expose-gc repro.cjs [path-to-keyv]): exit 1 when Keyv instances stay alive.
const { EventEmitter } = require('node:events');
const Keyv = require(process.argv[2] || 'keyv');
class SharedStore extends EventEmitter {
  constructor() { super(); this.map = new Map(); }
  get(key) { return this.map.get(key); }
  set(key, value) { this.map.set(key, value); return true; }
  delete(key) { return this.map.delete(key); }
  clear() { this.map.clear(); }
}
const store = new SharedStore();
(async () => {
  const refs = [];
  for (let i = 0; i < 20; i++) {
    const cache = new Keyv({ store, namespace: `host${i}.test` }, { emitErrors: false });
    await cache.set('/', '<html></html>');
    await cache.get('/');
    refs.push(new WeakRef(cache));
  }
  for (let i = 0; i < 3; i++) { global.gc(); await new Promise((r) => setImmediate(r)); }
  const alive = refs.filter((r) => r.deref() !== undefined).length;
  console.log(`${alive} of ${refs.length} Keyv instances alive; 'error' listeners on the shared store: ${store.listenerCount('error')}`);
  process.exitCode = alive > 1 ? 1 : 0;
})();
