// Stack frames and previews as reports show them. Frames as V8 formats them, read into files and
// lines (stack-frames.ts), and the allocation site a stack names (allocation.ts siteOfStack): an
// anonymous async frame (`at async /path:45:15`, as Vitest's stacks show a callback that ran after an
// await) names its file, not `async /path`. A promise's preview (check.ts preview) shows its state,
// not Node's async_hooks bookkeeping.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { expect, test } from 'vitest';

const require = createRequire(import.meta.url);
const dist = path.dirname(require.resolve('trackref'));
const { parseFrame }: typeof import('../../src/stack-frames') = require(path.join(dist, 'stack-frames.js'));
const { siteOfStack }: typeof import('../../src/allocation') = require(path.join(dist, 'allocation.js'));

test('an anonymous async frame names its file and line', () => {
  expect(parseFrame('    at async /tmp/project/t/esm-clients.test.js:45:15')).toEqual({ fn: 'async', file: '/tmp/project/t/esm-clients.test.js', line: 45, column: 15 });
  expect(parseFrame('    at async fetchAll (/tmp/project/t/a.test.js:3:7)')).toEqual({ fn: 'async fetchAll', file: '/tmp/project/t/a.test.js', line: 3, column: 7 });
});

test('a site from an anonymous async frame of this file: relative location and its excerpt', () => {
  const here = import.meta.filename;
  // The line of the first test's declaration in this file, whatever the header's length.
  const line = readFileSync(here, 'utf8').split('\n').findIndex((text) => text.startsWith("test('an anonymous async frame")) + 1;
  const site = siteOfStack(`Error\n    at new Thing (${path.join(path.sep, 'x', 'node_modules', 'lib', 'index.js')}:1:1)\n    at async ${here}:${line}:1`);
  expect(site?.location).toBe(`${path.relative(process.cwd(), here)}:${line}:1`);
  expect(site?.excerpt.join('\n')).toContain("test('an anonymous async frame names its file and line'");
});

test("a library's WebAssembly frame is not the user's: the site is the first frame of this file (undici's llhttp under Jest)", () => {
  const here = import.meta.filename;
  const line = readFileSync(here, 'utf8').split('\n').findIndex((text) => text.startsWith("test('an anonymous async frame")) + 1;
  const site = siteOfStack(`Error\n    at llhttp_execute (wasm://wasm/00034eea:1:1394)\n    at new Parser (${path.join(path.sep, 'x', 'node_modules', 'undici', 'client.js')}:1:1)\n    at async ${here}:${line}:1`);
  expect(site?.location).toBe(`${path.relative(process.cwd(), here)}:${line}:1`);
});

test("a promise's preview leaves out Node's async_hooks bookkeeping (set while promise hooks are on, as under Jest)", async () => {
  const { createHook } = await import('node:async_hooks');
  const { inspect } = await import('node:util');
  const { preview }: typeof import('../../src/check') = require(path.join(dist, 'check.js'));
  const hook = createHook({ init() {} }).enable();
  try {
    const pending = new Promise(() => undefined);
    expect(inspect(pending)).toContain('async_id_symbol');
    expect(preview(pending)).toBe('Promise { <pending> }');
  } finally {
    hook.disable();
  }
});
