// Allocation sites are kept in a WeakMap while something captures them. V8 never shrinks a WeakMap's
// table when its keys die, so a map kept for the whole process would hold, for good, a table as
// large as the most objects a check ever had alive at once. Measured on a real heap snapshot: the
// bytes of every WeakMap's table before and after a check whose run had 50,000 objects alive at once.
import * as v8 from 'node:v8';
import { expect, test } from 'vitest';
import { ObjectRef, checkLeaks, collectGarbage } from 'trackref';

class Page extends ObjectRef {
  constructor(readonly n: number) {
    super();
  }
}

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; edge_fields: string[]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

async function readSnapshot(): Promise<Snapshot> {
  const chunks: Buffer[] = [];
  for await (const chunk of v8.getHeapSnapshot()) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Snapshot;
}

/** The self size of every WeakMap's hash table, summed, from a heap snapshot of this process. */
async function weakMapTableBytes(): Promise<number> {
  await collectGarbage();
  const { snapshot, nodes, edges, strings } = await readSnapshot();
  const nodeFields = snapshot.meta.node_fields.length;
  const edgeFields = snapshot.meta.edge_fields.length;
  const nameAt = snapshot.meta.node_fields.indexOf('name');
  const sizeAt = snapshot.meta.node_fields.indexOf('self_size');
  const edgeCountAt = snapshot.meta.node_fields.indexOf('edge_count');
  const internal = snapshot.meta.edge_types[0].indexOf('internal');
  let total = 0;
  let edge = 0;
  for (let node = 0; node < nodes.length; node += nodeFields) {
    const count = nodes[node + edgeCountAt]!;
    const isWeakMap = strings[nodes[node + nameAt]!] === 'WeakMap';
    for (let i = 0; i < count; i++, edge += edgeFields) {
      if (isWeakMap && edges[edge] === internal && strings[edges[edge + 1]!] === 'table') {
        total += nodes[edges[edge + 2]! + sizeAt]!;
      }
    }
  }
  return total;
}

test('a check whose run had 50,000 objects alive at once leaves no table of their allocation sites behind', async () => {
  // Warm-up: a small check, so what any first check keeps for good is in the "before" figure.
  await checkLeaks(() => {
    for (let i = 0; i < 100; i++) new Page(i);
  }, Page);
  const before = await weakMapTableBytes();
  const report = await checkLeaks(() => {
    const alive: Page[] = [];
    for (let i = 0; i < 50_000; i++) alive.push(new Page(i));
  }, Page);
  expect(report.leaked).toBe(false);
  const after = await weakMapTableBytes();
  // 50,000 entries need a table of 131,072 slot pairs: about 2 MB. A few KB of small tables may come and go.
  expect(after - before, `WeakMap tables: ${before} bytes before, ${after} after`).toBeLessThan(64 * 1024);
}, 180_000);
