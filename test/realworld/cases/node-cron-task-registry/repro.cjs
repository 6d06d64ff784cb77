// Plain-Node reproduction (node --expose-gc repro.cjs): exit 1 when sites stay alive, 0 when not.
const cron = require('node-cron');

class Site {
  constructor(origin) {
    this.origin = origin;
    this.refreshes = 0;
  }
}

async function watchSite(origin, refs) {
  const site = new Site(origin);
  refs.push(new WeakRef(site));
  const task = cron.schedule('0 * * * *', () => {
    site.refreshes++;
  });
  await new Promise((resolve) => setTimeout(resolve, 5));
  task.stop();
  if (typeof task.destroy === 'function') task.destroy();
}

async function main() {
  const refs = [];
  for (let i = 0; i < 20; i++) await watchSite(`http://127.0.0.1:${8000 + i}`, refs);
  for (let i = 0; i < 3; i++) {
    global.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const alive = refs.filter((ref) => ref.deref() !== undefined).length;
  const version = JSON.parse(require('node:fs').readFileSync(require('node:path').join(__dirname, 'node_modules/node-cron/package.json'), 'utf8')).version;
  const registered = global.scheduledTasks ? global.scheduledTasks.size : typeof cron.getTasks === 'function' ? cron.getTasks().size : 'n/a';
  console.log(`node-cron@${version}: ${alive} of ${refs.length} sites alive after gc; tasks registered: ${registered}`);
  process.exit(alive > 1 ? 1 : 0); // one survivor may be the last call's, held by a cache slot or a frame; more is growth
}
main();
