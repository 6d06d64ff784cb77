// node-cron/node-cron#348: each site gets an hourly refresh task while it is being watched, and the
// task is stopped (and destroyed, where node-cron has destroy()) when watching ends. node-cron 3.0.3
// keeps every task in global.scheduledTasks for good, and each task's callback keeps its site.
const { ObjectRef } = require('trackref');
const cron = require('node-cron');

class Site extends ObjectRef {
  constructor(origin) {
    super();
    this.origin = origin;
    this.refreshes = 0;
  }
}

async function watchSite(origin) {
  const site = new Site(origin);
  const task = cron.schedule('0 * * * *', () => {
    site.refreshes++;
  });
  await new Promise((resolve) => setTimeout(resolve, 20)); // watch it for a moment
  task.stop();
  if (typeof task.destroy === 'function') task.destroy(); // node-cron 4: leaves the registry; 3.x has no destroy()
  return site.refreshes;
}

test('sites that are no longer watched are freed', async () => {
  let n = 0;
  await expect(() => watchSite(`http://127.0.0.1:${8000 + n++}`)).not.toLeak(Site);
});
