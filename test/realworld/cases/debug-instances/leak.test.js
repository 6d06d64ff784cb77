// debug-js/debug#678: a logger per job. Each job makes its own `debug` logger and sends its output
// to the job's own log (debug's per-logger `log` override), so the logger's closure points back at
// the job. On debug 4.2.0 every logger stays in `createDebug.instances` for good, and the job with it.
const { ObjectRef } = require('trackref');
const createDebug = require('debug');

class Job extends ObjectRef {
  constructor(url) {
    super();
    this.url = url;
    this.lines = [];
    this.log = createDebug('crawler:job');
    this.log.log = (...args) => this.lines.push(args.join(' '));
  }
}

async function runJob(url) {
  const job = new Job(url);
  job.log('fetching %s', url);
  await new Promise((resolve) => setImmediate(resolve));
  job.log('done');
  return job.lines.length;
}

test('jobs do not outlive their run', async () => {
  let n = 0;
  await expect(() => runJob(`http://127.0.0.1/page/${n++}`)).not.toLeak(Job);
});
