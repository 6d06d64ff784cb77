/**
 * Explains leaked instances once a check has found a leak: takes one heap snapshot, finds each
 * instance's node, renders its shortest retainer path, and marks the path's tracked objects as
 * created before or during the measured runs, with their ages. Until the snapshot is taken the
 * instances are held only through WeakRefs, so no path runs through trackref itself. Passing
 * checks never get here.
 */
import { ageOf, now } from './clock';
import { heapIdsOf, objectsByHeapIds, withSession } from './heap-query';
import { stampOf } from './object-ref';
import { retainerPath } from './retainers';
import { takeSnapshotWith } from './snapshot/take';
import { Dominators, computeDominators, retainedBySet } from './snapshot/dominators';
import type { RetainerStepNote } from './report';

export interface Explanation {
  retainerPath: string;
  retainerSteps: RetainerStepNote[];
  /** What the instance keeps alive (itself included), from the snapshot's dominator tree. */
  retained: { bytes: number; objects: number };
}

/** Retainer paths for the objects behind `refs` (undefined where an object is gone or unreachable). */
export function explainLeaks(refs: ReadonlyArray<WeakRef<object>>, runsStartSeq: number): Array<Explanation | undefined> {
  // Ages are taken as of now, before the snapshot (which can take seconds), like the instances' own.
  const at = now();
  return withSession((session) => {
    const graph = takeSnapshotWith(session);
    let dominators: Dominators | undefined;
    const objects = refs.map((ref) => ref.deref());
    const present = objects.filter((obj): obj is object => obj !== undefined);
    const ids = heapIdsOf(session, present);
    const nodes = graph.nodesById(ids.filter((id) => id > 0));
    const byObject = new Map<object, number>();
    present.forEach((obj, i) => {
      const node = nodes.get(ids[i]!);
      if (node !== undefined) byObject.set(obj, node);
    });
    return objects.map((obj) => {
      const node = obj === undefined ? undefined : byObject.get(obj);
      if (node === undefined) return undefined;
      const path = retainerPath(graph, node);
      if (path === undefined) return undefined;
      const shown = path.steps.slice(path.start);
      const live = objectsByHeapIds(session, shown.map((step) => graph.nodeId(step.node)));
      const retainerSteps = shown.map((step, i): RetainerStepNote => {
        const note: RetainerStepNote = { text: step.text.replace(/^ → /, ''), className: graph.nodeName(step.node) || graph.nodeType(step.node) };
        const stamp = live[i] === undefined ? undefined : stampOf(live[i]!);
        if (stamp !== undefined) {
          note.createdDuringRuns = stamp > runsStartSeq;
          note.ageMs = ageOf(stamp, at);
        }
        return note;
      });
      dominators ??= computeDominators(graph);
      return { retainerPath: path.text, retainerSteps, retained: retainedBySet(dominators, [node]) };
    });
  });
}
