/**
 * Explains leaked instances once a check has found a leak: takes one heap snapshot, finds each
 * instance's node, renders its shortest retainer path, and marks the path's tracked objects as
 * created before or during the measured runs, with their ages. Until the snapshot is taken the
 * instances are held only through WeakRefs, so no path runs through trackref itself. Passing
 * checks never get here.
 */
import { ageOf, now } from './clock';
import { heapIdsOf, objectsByHeapIds, trackedClassNames, variableNameFor, withSession } from './heap-query';
import { stampOf } from './object-ref';
import { retainerPath } from './retainers';
import { takeSnapshotWith } from './snapshot/take';
import type { RetainerStepNote } from './report';

export interface Explanation {
  retainerPath: string;
  retainerSteps: RetainerStepNote[];
  /** What the instance keeps alive (itself included); computed for the first instance asked about. */
  retained?: { bytes: number; objects: number };
}

/** Retainer paths for the objects behind `refs` (undefined where an object is gone or unreachable). */
export function explainLeaks(refs: ReadonlyArray<WeakRef<object>>, runsStartSeq: number): Array<Explanation | undefined> {
  // Ages are taken as of now, before the snapshot (which can take seconds), like the instances' own.
  const at = now();
  return withSession((session) => {
    const graph = takeSnapshotWith(session);
    const objects = refs.map((ref) => ref.deref());
    const present = objects.filter((obj): obj is object => obj !== undefined);
    const ids = heapIdsOf(session, present);
    const nodes = graph.nodesById(ids.filter((id) => id > 0));
    const byObject = new Map<object, number>();
    present.forEach((obj, i) => {
      const node = nodes.get(ids[i]!);
      if (node !== undefined) byObject.set(obj, node);
    });
    const tracked = trackedClassNames();
    return objects.map((obj, index) => {
      const node = obj === undefined ? undefined : byObject.get(obj);
      if (node === undefined) return undefined;
      const path = retainerPath(graph, node, (context, value) => {
        let closure: number | undefined;
        graph.forEachRetainer(context, (retainer, edge) => {
          if (closure === undefined && graph.nodeType(retainer) === 'closure' && graph.edgeName(edge) === 'context') closure = retainer;
        });
        return closure === undefined ? undefined : variableNameFor(session, graph.nodeId(closure), graph.nodeId(value));
      });
      if (path === undefined) return undefined;
      const shown = path.steps.slice(path.start);
      // Each id lookup walks the heap: only look up tracked objects on the path (the leaked one is at hand).
      const lookups = shown.map((step, i) => (i < shown.length - 1 && tracked.has(graph.nodeName(step.node)) ? graph.nodeId(step.node) : 0));
      const found = objectsByHeapIds(session, lookups.filter((id) => id > 0));
      const live = new Map(lookups.filter((id) => id > 0).map((id, i) => [id, found[i]]));
      const retainerSteps = shown.map((step, i): RetainerStepNote => {
        const note: RetainerStepNote = { text: step.text.replace(/^ → /, ''), className: graph.nodeName(step.node) || graph.nodeType(step.node) };
        const stepObject = i === shown.length - 1 ? obj : live.get(lookups[i]!);
        const stamp = stepObject === undefined ? undefined : stampOf(stepObject);
        if (stamp !== undefined) {
          note.createdDuringRuns = stamp > runsStartSeq;
          note.ageMs = ageOf(stamp, at);
        }
        return note;
      });
      return { retainerPath: path.text, retainerSteps, ...(index === 0 ? { retained: graph.retainedBy(node) } : {}) };
    });
  });
}
