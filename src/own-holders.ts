/**
 * trackref's own holders in a heap snapshot: the closure contexts of trackref's code (its module
 * variables, e.g. the constructor hooks' open watches, which keep the classes they watch, and through
 * a class its module's variables) and the registers and contexts of its suspended async functions (a
 * running check keeps fn).
 * Retainer paths must never start at or run through them: the path to show is the program's own.
 * Found backwards from the script nodes of trackref's files (their functions, closures, contexts),
 * so the cost follows trackref's code, not the heap. Reads snapshot data only.
 */
import { targetNamed } from './holders';
import { isTrackrefFrame } from './stack-frames';
import type { HeapGraph } from './snapshot/graph';

/** The nodes of trackref's closure contexts and of its suspended functions' registers (see the header). */
export function ownHolders(graph: HeapGraph): number[] {
  const ownNames = new Set<number>();
  graph.strings.forEach((text, index) => {
    if (text.length > 0 && isTrackrefFrame(text.startsWith('file://') ? text.slice('file://'.length) : text)) ownNames.add(index);
  });
  if (ownNames.size === 0) return [];
  const holders: number[] = [];
  for (let script = 0; script < graph.nodeCount; script++) {
    if (!ownNames.has(graph.nodeNameIndex(script))) continue;
    graph.forEachRetainer(script, (shared, toScript) => {
      const name = graph.edgeName(toScript);
      if (name !== 'script' && name !== 'script_or_debug_info') return;
      graph.forEachRetainer(shared, (closure, toShared) => {
        if (graph.nodeType(closure) !== 'closure' || graph.edgeName(toShared) !== 'shared') return;
        holders.push(targetNamed(graph, closure, 'context'));
        // A suspended async function or generator of trackref's: its registers and its context hold
        // its variables. Not the generator itself: through its promise, the awaiting chain goes on to
        // the caller that awaits the check (a test's function, whose variables are the user's).
        graph.forEachRetainer(closure, (generator, toClosure) => {
          if (graph.edgeName(toClosure) !== 'function' || graph.nodeName(generator) !== 'Generator') return;
          holders.push(targetNamed(graph, generator, 'parameters_and_registers'), targetNamed(graph, generator, 'context'));
        });
      });
    });
  }
  // -1: a closure or generator with no such edge.
  return holders.filter((node) => node >= 0);
}
