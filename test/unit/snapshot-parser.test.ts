// The streaming snapshot parser: the same result however the snapshot is cut into chunks, as text
// (inspector messages) or as bytes (a snapshot file), and a clear error for a snapshot that is not one.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import { describe, expect, test } from 'vitest';
import { SnapshotParser, type ParsedSnapshot } from '../../src/snapshot/parser';

/** A small snapshot in V8's layout, with escaped strings and sections the parser skips. */
const SMALL = [
  '{"snapshot":{"meta":{"node_fields":["type","name","id","self_size","edge_count"],',
  '"node_types":[["hidden","object"],"string","number","number","number"],',
  '"edge_fields":["type","name_or_index","to_node"],"edge_types":[["element","property"],"string_or_number","node"],',
  '"location_fields":["object_index","script_id","line","column"]},"node_count":3,"edge_count":2,"trace_function_count":0},\n',
  '"nodes":[0,0,1,0,2\n,1,1,3,40,0\n,1,2,5,1234567,0],\n',
  '"edges":[1,3,5\n,0,7,10],\n',
  '"trace_function_infos":[],\n"trace_tree":[0,[1,[2]]],\n"samples":[],\n"locations":[10,2,33,4],\n',
  '"strings":["<dummy>","(root)","Request","meta","a \\"quoted\\" \\\\ name","ключ \\u043a\\n"]}',
].join('');

function parseText(chunks: string[]): ParsedSnapshot {
  const parser = new SnapshotParser();
  for (const chunk of chunks) parser.write(chunk);
  return parser.end();
}

function parseBytes(bytes: Buffer, blockSize: number): ParsedSnapshot {
  const parser = new SnapshotParser();
  for (let at = 0; at < bytes.length; at += blockSize) parser.writeBytes(bytes.subarray(at, at + blockSize));
  return parser.end();
}

function sameNumbers(a: Uint32Array, b: Uint32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function plain(parsed: ParsedSnapshot): unknown {
  return { ...parsed, nodes: [...parsed.nodes], edges: [...parsed.edges] };
}

describe('snapshot parser', () => {
  test('reads nodes, edges and strings, skipping the other sections', () => {
    const parsed = parseText([SMALL]);
    expect(parsed.nodeCount).toBe(3);
    expect(parsed.edgeCount).toBe(2);
    expect([...parsed.nodes]).toEqual([0, 0, 1, 0, 2, 1, 1, 3, 40, 0, 1, 2, 5, 1234567, 0]);
    expect([...parsed.edges]).toEqual([1, 3, 5, 0, 7, 10]);
    expect(parsed.strings).toEqual(['<dummy>', '(root)', 'Request', 'meta', 'a "quoted" \\ name', 'ключ к\n']);
  });

  test('any cut into two chunks, as text or as bytes, and byte by byte, gives the same result', () => {
    const whole = plain(parseText([SMALL]));
    // Non-ASCII characters arrive \u-escaped, as V8 writes them: the snapshot text is ASCII.
    const ascii = SMALL.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    const bytes = Buffer.from(ascii, 'latin1');
    for (let cut = 0; cut <= ascii.length; cut++) {
      expect(plain(parseText([ascii.slice(0, cut), ascii.slice(cut)]))).toEqual(whole);
      const parser = new SnapshotParser();
      parser.writeBytes(bytes.subarray(0, cut));
      parser.writeBytes(bytes.subarray(cut));
      expect(plain(parser.end())).toEqual(whole);
    }
    expect(plain(parseBytes(bytes, 1))).toEqual(whole);
  });

  test("a real snapshot of this process: the file's bytes and its text in odd-sized chunks agree", () => {
    const file = v8.writeHeapSnapshot(path.join(os.tmpdir(), `trackref-parser-test-${process.pid}.heapsnapshot`));
    try {
      const bytes = fs.readFileSync(file);
      const fromBytes = parseBytes(bytes, 4 * 1024 * 1024);
      const text = bytes.toString('latin1');
      const chunks: string[] = [];
      for (let at = 0; at < text.length; at += 65_537) chunks.push(text.slice(at, at + 65_537));
      const fromText = parseText(chunks);
      expect(fromBytes.nodeCount).toBeGreaterThan(10_000);
      expect(sameNumbers(fromText.nodes, fromBytes.nodes)).toBe(true);
      expect(sameNumbers(fromText.edges, fromBytes.edges)).toBe(true);
      expect(fromText.strings).toEqual(fromBytes.strings);
      const reference = JSON.parse(text) as { nodes: number[]; edges: number[]; strings: string[] };
      expect(fromBytes.strings).toEqual(reference.strings);
      expect([...fromBytes.nodes.subarray(0, 5000)]).toEqual(reference.nodes.slice(0, 5000));
      expect([...fromBytes.edges.subarray(-5000)]).toEqual(reference.edges.slice(-5000));
    } finally {
      fs.rmSync(file, { force: true });
    }
  });

  test('a cut-off or malformed snapshot gets a clear error', () => {
    expect(() => parseText([SMALL.slice(0, SMALL.indexOf('"edges"') + 12)])).toThrow('The heap snapshot ended early or is not a V8 heap snapshot.');
    expect(() => parseText([SMALL.replace('"nodes":[0,0,1,0,2\n,', '"nodes":[0,0,1,0,\n,')])).toThrow("The heap snapshot's nodes section has 14 numbers, expected 15.");
    expect(() => parseText(['{"snapshot":{"meta":', '"nodes":[]}'])).toThrow('The heap snapshot header is not valid JSON.');
    expect(() => parseText(['not a snapshot'])).toThrow('The heap snapshot ended early or is not a V8 heap snapshot.');
  });
});
