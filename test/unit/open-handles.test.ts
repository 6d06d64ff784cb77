// Objects a native handle keeps until they are closed (a file watcher): the path names the open
// object. Its own file: an open watcher changes which paths are shortest for other tests' objects.
import { mkdtempSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { checkLeaks } from 'trackref';

class Config {
  constructor(readonly file: string) {}
}

test('a file watcher never closed: (open FSWatcher), then what its listener holds', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'trackref-watch-')), 'config.json');
  writeFileSync(file, '{}');
  // Only weakly here: the open watcher's handle alone keeps each watcher and its listener.
  const watchers: Array<WeakRef<FSWatcher>> = [];
  try {
    const report = await checkLeaks(() => {
      const config = new Config(file);
      watchers.push(new WeakRef(watch(file, function onChange() {
        return config;
      })));
    }, Config);
    expect(report.leaked, report.format()).toBe(true);
    expect(report.rows[0]!.oldest[0]!.retainerPath).toBe("(open FSWatcher) listeners 'change' → onChange() → config");
  } finally {
    for (const ref of watchers) ref.deref()?.close();
  }
});

test('a file watcher itself, never closed: held by its own handle, (open FSWatcher)', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'trackref-watch-')), 'config.json');
  writeFileSync(file, '{}');
  const watchers: Array<WeakRef<FSWatcher>> = [];
  const probe = watch(file);
  const cls = probe.constructor as new () => FSWatcher;
  probe.close();
  try {
    const report = await checkLeaks(() => void watchers.push(new WeakRef(watch(file, () => undefined))), cls);
    expect(report.leaked, report.format()).toBe(true);
    expect(report.rows[0]!.oldest[0]!.retainerPath).toBe('(open FSWatcher)');
  } finally {
    for (const ref of watchers) ref.deref()?.close();
  }
});
