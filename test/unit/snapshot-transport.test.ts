// How the heap snapshot reaches the parser: V8 writes it to a private file in the temporary
// directory, which is read back in blocks and removed; when no file can be written there, the
// inspector's chunks are used instead. Either way the check's report names the same retainer path.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ObjectRef, checkLeaks } from 'trackref';
import { afterEach, describe, expect, test } from 'vitest';
import { takeSnapshot } from '../../src/snapshot/take';

class Page extends ObjectRef {
  constructor(readonly url: string) {
    super();
  }
}

const kept: Page[] = [];
const keepOne = (): void => {
  kept.push(new Page(`https://example.com/${kept.length}`));
};

const savedTmpdir = process.env.TMPDIR;
afterEach(() => {
  if (savedTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmpdir;
});

/** Names of the files created in `dir` while `body` runs (inotify events, read after a pause). */
async function filesCreatedDuring(dir: string, body: () => unknown): Promise<string[]> {
  const seen = new Set<string>();
  const watcher = fs.watch(dir, (_event, name) => {
    if (name !== null) seen.add(String(name));
  });
  try {
    await body();
    await new Promise((resolve) => setTimeout(resolve, 100));
  } finally {
    watcher.close();
  }
  return [...seen];
}

describe('heap snapshot transport', () => {
  test('the snapshot is written to a private temporary file, parsed, and the file removed', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trackref-transport-'));
    process.env.TMPDIR = dir;
    try {
      let nodeCount = 0;
      const created = await filesCreatedDuring(dir, () => {
        nodeCount = takeSnapshot().nodeCount;
      });
      expect(nodeCount).toBeGreaterThan(10_000);
      expect(created).toEqual([expect.stringMatching(/^trackref-\d+-\d+-[0-9a-f-]{36}\.heapsnapshot$/)]);
      expect(fs.readdirSync(dir)).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a check that finds a leak leaves no snapshot file behind and names the path', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trackref-transport-'));
    process.env.TMPDIR = dir;
    try {
      kept.length = 0;
      let report: Awaited<ReturnType<typeof checkLeaks>> | undefined;
      const created = await filesCreatedDuring(dir, async () => {
        report = await checkLeaks(keepOne, Page);
      });
      expect(report!.leaked).toBe(true);
      // The oldest leaked one is from the measured run, before the extra calls after the verdict.
      expect(report!.rows[0]!.oldest[0]!.retainerPath).toBe(`kept[${kept.length - 1 - (report!.extraCalls ?? 0)}]`);
      expect(created.filter((name) => name.endsWith('.heapsnapshot'))).toHaveLength(1);
      expect(fs.readdirSync(dir)).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('without a writable temporary directory the inspector delivers the snapshot, with the same path', async () => {
    process.env.TMPDIR = path.join(os.tmpdir(), `trackref-missing-${process.pid}`, 'nested');
    expect(fs.existsSync(process.env.TMPDIR)).toBe(false);
    expect(takeSnapshot().nodeCount).toBeGreaterThan(10_000);
    kept.length = 0;
    const report = await checkLeaks(keepOne, Page);
    expect(report.leaked).toBe(true);
    expect(report.rows[0]!.oldest[0]!.retainerPath).toBe(`kept[${kept.length - 1 - (report.extraCalls ?? 0)}]`);
    expect(fs.existsSync(process.env.TMPDIR)).toBe(false);
  });
});
