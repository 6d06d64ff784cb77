// Plain-Node reproduction (node --expose-gc repro.cjs): exit 1 when jobs stay alive, 0 when not.
const createDebug = require('debug');

class Job {
  constructor(url) {
    this.url = url;
    this.lines = [];
    this.log = createDebug('crawler:job');
    this.log.log = (...args) => this.lines.push(args.join(' '));
  }
}

function runJob(url, refs) {
  const job = new Job(url);
  job.log('fetching %s', url);
  refs.push(new WeakRef(job));
}

async function main() {
  const refs = [];
  for (let i = 0; i < 20; i++) runJob(`http://127.0.0.1/page/${i}`, refs);
  for (let i = 0; i < 3; i++) {
    global.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const alive = refs.filter((ref) => ref.deref() !== undefined).length;
  console.log(`debug@${require('debug/package.json').version}: ${alive} of ${refs.length} jobs alive after gc; createDebug.instances: ${createDebug.instances ? createDebug.instances.length : 'none'}`);
  process.exit(alive > 1 ? 1 : 0); // one survivor may be the last call's, held by a cache slot or a frame; more is growth
}
main();
