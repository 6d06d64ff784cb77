/**
 * Takes a heap snapshot of this thread's isolate through an in-process inspector session and
 * streams it into the snapshot parser, chunk by chunk, so the snapshot never exists as one string.
 * Sees every context (main, workers' own isolate, vm contexts). Holds no reference to live objects.
 */
import type * as inspector from 'node:inspector';
import { HeapGraph } from './graph';
import { SnapshotParser } from './parser';
import { post } from '../inspector-post';
import { withSession } from '../heap-query';

/** Takes a snapshot with an open session (so that object ids can be asked for afterwards). */
export function takeSnapshotWith(session: inspector.Session): HeapGraph {
  const parser = new SnapshotParser();
  const onChunk = (message: { params: { chunk: string } }): void => parser.write(message.params.chunk);
  session.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
  try {
    post(session, 'HeapProfiler.takeHeapSnapshot', { reportProgress: false, captureNumericValue: false });
  } finally {
    session.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
  }
  return new HeapGraph(parser.end());
}

/** Takes a snapshot of the whole heap. */
export function takeSnapshot(): HeapGraph {
  return withSession(takeSnapshotWith);
}
