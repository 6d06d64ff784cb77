/**
 * Explains leaked instances once a check has found a leak: takes one heap snapshot, finds each
 * instance's node, renders its shortest retainer path (reading pending timers' due times from the
 * live Timeout objects), marks the path's tracked objects as created before or during the measured
 * runs, with their ages, and gives each step a verdict (verdicts.ts). Until the snapshot is taken the
 * instances are held only through WeakRefs, so no path runs through trackref itself. Passing
 * checks never get here.
 */
import type * as inspector from 'node:inspector';
import { types } from 'node:util';
import { AllocationSite } from './allocation';
import { tracedSiteOf } from './allocation-trace';
import { ageOf, now } from './clock';
import { heapIdsOf, objectsByHeapIds, scopeVariablesOf, trackedClassNames, withSession } from './heap-query';
import { classOf, stampOf } from './object-ref';
import { type KnownObjectById, PathObjects } from './path-objects';
import { retainerPath } from './retainers';
import { takeSnapshotWith } from './snapshot/take';
import { timerClockNow, timerStateOf } from './timer-state';
import { judgeSteps } from './verdicts';
import { ownTimerHint } from './own-timer';
import { timeoutsReaching } from './reaching-timers';
import { ownHolders } from './own-holders';
import { timerDelayOf, timerRepeats } from './holders';
import { type LibrarySlot, librarySlotOf } from './library-slot';
import type { RetainerStepNote } from './report';

export interface Explanation {
  retainerPath: string;
  /** When the path shown goes through a holder of the user's code rather than the shortest one: the shortest one. */
  alsoHeldBy?: string;
  retainerSteps: RetainerStepNote[];
  /** What the instance keeps alive (itself included); computed for the first instance asked about. */
  retained?: { bytes: number; objects: number };
  /** When a library's module variable holds it through properties and closures only (library-slot.ts). */
  librarySlot?: LibrarySlot;
  /** Where the instance was made, from the snapshot's allocation trace (when allocations were tracked). */
  allocationSite?: AllocationSite;
  /** A line about its holder, e.g. a library's own timer and the method that clears it (own-timer.ts). */
  holderNote?: string;
  /** When the shown path starts at no timer: when the pending timeouts that reach it otherwise are due (reaching-timers.ts). */
  reachingTimeouts?: number[];
  /** Held only by the links V8 keeps between promises while a debugger is enabled (see HeapGraph.isDebuggerPromiseLink). */
  debuggerOnly?: true;
}

/** The path text of an object only the debugger's promise links hold. */
export const DEBUGGER_ONLY = "(only V8's debugger bookkeeping between promises holds it: made while trackref's constructor hook had the debugger enabled)";

/**
 * Retainer paths for the objects behind `refs` (undefined where an object is gone or unreachable).
 * `known` are weak references to tracked objects the check already knows (its births and baseline):
 * objects on the paths are looked for among them before V8 is asked to walk the heap for them.
 */
export function explainLeaks(refs: ReadonlyArray<WeakRef<object>>, runsStartSeq: number, known: ReadonlyArray<WeakRef<object>> = []): Array<Explanation | undefined> {
  // Ages are taken as of now, before the snapshot (which can take seconds), like the instances' own.
  const at = now();
  // Timers' due times, as of the same moment: no code runs from here to the last path (one
  // synchronous job), so they are those of the snapshot's heap, and a caller that noted the time
  // before an earlier look-up can tell a timer set since from one that was already there.
  const clock = timerClockNow();
  return withSession((session) => {
    const graph = takeSnapshotWith(session);
    graph.stopAt(ownHolders(graph));
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
    // Variable names V8 left out of the snapshot, per closure node (finding a closure walks the heap).
    const scopeVariables = new Map<number, Map<number, string>>();
    const knownLookup = knownById(session, known, graph.nodeCount);
    const live = new PathObjects(graph, (ids) => objectsByHeapIds(session, ids), knownLookup);
    const timerState = (edges: readonly number[], index: number) => {
      const timer = live.objectAt(edges, index);
      return timer === undefined ? undefined : timerStateOf(timer, clock);
    };
    return objects.map((obj, index) => {
      const node = obj === undefined ? undefined : byObject.get(obj);
      if (node === undefined) return undefined;
      const path = retainerPath(graph, node, (context, value) => {
        let closure: number | undefined;
        graph.forEachRetainer(context, (retainer, edge) => {
          if (closure === undefined && graph.nodeType(retainer) === 'closure' && graph.edgeName(edge) === 'context') closure = retainer;
        });
        if (closure === undefined) return undefined;
        let names = scopeVariables.get(closure);
        if (names === undefined) {
          names = scopeVariablesOf(session, graph.nodeId(closure));
          scopeVariables.set(closure, names);
        }
        return names.get(graph.nodeId(value));
      }, timerState, (edges, index) => {
        const map = live.objectAt(edges, index - 1);
        const value = index + 2 === edges.length ? obj : live.objectAt(edges, index + 1);
        return map === undefined || value === undefined ? undefined : numberKeyOf(map, value);
      });
      const traced = tracedSiteOf(graph, node);
      if (path === undefined) {
        // Alive, yet reached only through the links V8 keeps between promises for a debugger.
        if (graph.pathTo(node, true) === undefined) return undefined;
        return { retainerPath: DEBUGGER_ONLY, retainerSteps: [], debuggerOnly: true };
      }
      // The steps the path shows (VM-internal ones have no text), the leaked instance last.
      const shown = path.steps.slice(path.start).filter((step, i, all) => step.text !== '' || i === all.length - 1);
      // Only tracked objects on the path are looked for (the leaked one is at hand): their stamps
      // give their ages.
      const { edges } = path;
      const stepObject = (i: number): object | undefined => {
        if (i === shown.length - 1) return obj;
        const stepNode = shown[i]!.node;
        if (!tracked.has(graph.nodeName(stepNode))) return undefined;
        const reaching = edges.findIndex((edge) => graph.edgeTo(edge) === stepNode);
        return reaching < 0 ? undefined : live.objectAt(edges, reaching);
      };
      const retainerSteps = shown.map((step, i): RetainerStepNote => {
        // The leaked instance by its class's name (a bundler's renamed class reads `_Response` in the snapshot).
        const className = (i === shown.length - 1 ? classOf(obj!)?.name : undefined) || graph.nodeName(step.node) || graph.nodeType(step.node);
        const note: RetainerStepNote = { text: step.text.replace(/^ → /, '').trimStart(), className };
        if (step.holder !== undefined) note.holder = step.holder;
        const found = stepObject(i);
        const stamp = found === undefined ? undefined : stampOf(found);
        if (stamp !== undefined) {
          note.createdDuringRuns = stamp > runsStartSeq;
          note.ageMs = ageOf(stamp, at);
        }
        return note;
      });
      const librarySlot = librarySlotOf(graph, edges);
      const holderNote = ownTimerHint(graph, path, retainerSteps[retainerSteps.length - 1]!.className);
      if (holderNote !== undefined && retainerSteps.length > 1) retainerSteps[0]!.keptByLibrary = true;
      judgeSteps(retainerSteps);
      // Timeouts that reach it off the shown path (a TTL cache's purge timers): due in as read from
      // the live timer when the check knows it (made during its runs: no heap walk), else due within
      // its delay, read from the snapshot (the per-test guard watches no timers).
      const startsAtTimer = path.steps.slice(path.start).some((step) => step.holder?.kind === 'timer');
      const reachingTimeouts = startsAtTimer
        ? []
        : timeoutsReaching(
            graph,
            path.edges.slice(path.start, -1).map((edge) => graph.edgeTo(edge)),
            path.start > 0 ? [node, graph.edgeFrom(path.edges[path.start]!)] : [node],
          ).flatMap((timeout) => {
            const timer = knownLookup?.('Timeout', graph.nodeId(timeout));
            const state = timer === undefined ? undefined : timerStateOf(timer, clock);
            if (state !== undefined) return state.repeat ? [] : [state.dueInMs];
            const delayMs = timerRepeats(graph, timeout) === false ? timerDelayOf(graph, timeout) : undefined;
            return delayMs === undefined ? [] : [delayMs];
          });
      return {
        retainerPath: path.text,
        ...(path.alsoHeldBy === undefined ? {} : { alsoHeldBy: path.alsoHeldBy }),
        retainerSteps,
        ...(index === 0 ? { retained: graph.retainedBy(node) } : {}),
        ...(librarySlot === undefined ? {} : { librarySlot }),
        ...(traced === undefined ? {} : { allocationSite: traced }),
        ...(holderNote === undefined ? {} : { holderNote }),
        ...(reachingTimeouts.length === 0 ? {} : { reachingTimeouts }),
      };
    });
  });
}

/** Map entries looked through at most to find a value's key. */
const MAP_KEYS_READ = 100_000;

/**
 * The number (or bigint) key under which `map` (a Map) holds `value`, as source text; undefined for
 * other keys (the snapshot names those) or when `map` is not a Map. Uses the intrinsic iterator: runs
 * no code of the map's.
 */
function numberKeyOf(map: object, value: object): string | undefined {
  if (!types.isMap(map)) return undefined;
  let read = 0;
  for (const [key, held] of Map.prototype.entries.call(map) as IterableIterator<[unknown, unknown]>) {
    if (held === value) return typeof key === 'number' ? String(key) : typeof key === 'bigint' ? `${key}n` : undefined;
    if (++read >= MAP_KEYS_READ) return undefined;
  }
  return undefined;
}

/**
 * Asking V8 for one object's heap id costs about as much as walking 40 nodes of the heap (measured on
 * Node 20: ~10 µs per object, ~0.25 µs per node for a walk). Above one id per 100 nodes, walk.
 */
const NODES_PER_KNOWN_ID = 100;
const MIN_KNOWN_IDS = 200;

/** Objects of a class whose heap ids are asked for first; each later batch is twice the one before. */
const FIRST_KNOWN_BATCH = 32;

/**
 * Looks objects up among `known` (weakly held; dereferenced only now, after the snapshot): grouped
 * by class name on first use, in the order given (the check's births first). A class's heap ids are
 * fetched in growing batches, only until the object asked for is found (a path usually goes through
 * a birth: the first batch), and no more than `limit` of them per class.
 */
function knownById(session: inspector.Session, known: ReadonlyArray<WeakRef<object>>, nodeCount: number): KnownObjectById | undefined {
  if (known.length === 0) return undefined;
  const limit = Math.max(MIN_KNOWN_IDS, Math.floor(nodeCount / NODES_PER_KNOWN_ID));
  let byClass: Map<string, object[]> | undefined;
  const idsByClass = new Map<string, { ids: Map<number, object>; fetched: number }>();
  return (className, id) => {
    if (byClass === undefined) {
      byClass = new Map();
      for (const ref of known) {
        const obj = ref.deref();
        const name = obj === undefined ? undefined : classOf(obj)?.name;
        if (obj === undefined || name === undefined) continue;
        const group = byClass.get(name) ?? [];
        group.push(obj);
        byClass.set(name, group);
      }
    }
    const group = byClass.get(className) ?? [];
    let fetched = idsByClass.get(className);
    if (fetched === undefined) {
      fetched = { ids: new Map(), fetched: 0 };
      idsByClass.set(className, fetched);
    }
    // Past `limit` ids, walking the heap for the object costs less than asking for more.
    while (!fetched.ids.has(id) && fetched.fetched < Math.min(group.length, limit)) {
      const batch = group.slice(fetched.fetched, fetched.fetched + Math.max(FIRST_KNOWN_BATCH, fetched.fetched));
      const ids = fetched.ids;
      heapIdsOf(session, batch).forEach((heapId, i) => ids.set(heapId, batch[i]!));
      fetched.fetched += batch.length;
    }
    return fetched.ids.get(id);
  };
}
