/**
 * Takes a heap snapshot of this thread's isolate and streams it into the snapshot parser, chunk by
 * chunk, so the snapshot never exists as one string. Sees every context (main, a worker's own
 * isolate, vm contexts). Holds no reference to live objects, and never leaves a snapshot file behind.
 *
 * The snapshot is written by V8 to a private temporary file and read back in blocks: measured on a
 * 194 MB snapshot, 13–17% faster than receiving it as inspector messages (which V8 escapes into JSON
 * and Node parses again) and ~175 MB less peak memory. When the file cannot be written or read
 * (no space, no temporary directory, a mocked `fs`), it falls back to the inspector's chunks.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import type * as inspector from 'node:inspector';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import { threadId } from 'node:worker_threads';
import { HeapGraph } from './graph';
import { type ParsedSnapshot, SnapshotParser } from './parser';
import { post } from '../inspector-post';
import { withSession } from '../heap-query';

/** Bytes read from the snapshot file at a time. */
const READ_BLOCK = 4 * 1024 * 1024;

/** Takes a snapshot with an open session (so that object ids can be asked for afterwards). */
export function takeSnapshotWith(session: inspector.Session): HeapGraph {
  return new HeapGraph(snapshotThroughFile() ?? snapshotThroughInspector(session));
}

/** Takes a snapshot of the whole heap. */
export function takeSnapshot(): HeapGraph {
  return withSession(takeSnapshotWith);
}

/** The snapshot through a temporary file, or undefined when that failed (and left no file). */
function snapshotThroughFile(): ParsedSnapshot | undefined {
  const file = path.join(os.tmpdir(), `trackref-${process.pid}-${threadId}-${randomUUID()}.heapsnapshot`);
  try {
    v8.writeHeapSnapshot(file);
    return parseFile(file);
  } catch {
    return undefined;
  } finally {
    try {
      fs.rmSync(file, { force: true });
    } catch {
      // Nothing was written, or the directory is gone.
    }
  }
}

function parseFile(file: string): ParsedSnapshot {
  const parser = new SnapshotParser();
  const fd = fs.openSync(file, 'r');
  try {
    const block = Buffer.allocUnsafe(READ_BLOCK);
    for (let read = fs.readSync(fd, block, 0, READ_BLOCK, null); read > 0; read = fs.readSync(fd, block, 0, READ_BLOCK, null)) {
      parser.writeBytes(block.subarray(0, read));
    }
  } finally {
    fs.closeSync(fd);
  }
  return parser.end();
}

function snapshotThroughInspector(session: inspector.Session): ParsedSnapshot {
  const parser = new SnapshotParser();
  const onChunk = (message: { params: { chunk: string } }): void => parser.write(message.params.chunk);
  session.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
  try {
    post(session, 'HeapProfiler.takeHeapSnapshot', { reportProgress: false, captureNumericValue: false });
  } finally {
    session.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
  }
  return parser.end();
}
