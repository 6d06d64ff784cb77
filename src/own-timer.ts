/**
 * Library objects kept alive by a library's own timer. When a leaked instance's retainer path starts
 * at a pending timer or an interval whose callback is a library's code (in node_modules), and runs
 * only through library and Node code to the instance, the user never holds it: the library does,
 * until the timer is cleared, which is what the instance's own release method (`close()`, `stop()`…)
 * is for. This module says so, naming the package that set the timer and the method the instance
 * has (node-cache's check timer and `close()`, bottleneck's interval and `stop()` or `disconnect()`,
 * a socket.io client's ping timer and `close()`), all of them when it has several: which one clears
 * the timer is the library's to say. It never claims more: no method found, no hint.
 * Reads own data properties along the instance's prototype chain only: never runs a getter, a setter
 * or a proxy trap, and keeps no reference to the instance.
 */
import { types } from 'node:util';
import { isNodeInternal, isRunnerInternal, scriptOfClosure, scriptOfContext, timerCallbackScript } from './holders';
import { packageOfScript } from './library-slot';
import type { RetainerPath } from './retainers';
import type { HeapGraph } from './snapshot/graph';

/** Methods that release a library object, most usual first. */
const RELEASE_METHODS = ['close', 'stop', 'destroy', 'dispose', 'disconnect', 'shutdown', 'end', 'quit', 'terminate'];

/** The release methods `obj` has (own or inherited, plain function-valued data properties), in RELEASE_METHODS' order. */
function releaseMethodsOf(obj: object): string[] {
  const found: string[] = [];
  for (const name of RELEASE_METHODS) {
    for (let level: object | null = obj; level !== null && level !== Object.prototype; level = Object.getPrototypeOf(level) as object | null) {
      if (types.isProxy(level)) return [];
      const descriptor = Object.getOwnPropertyDescriptor(level, name);
      if (descriptor !== undefined && 'value' in descriptor) {
        if (typeof descriptor.value === 'function') found.push(name);
        break;
      }
    }
  }
  return found;
}

/** The package a script belongs to, when it is a library's (in node_modules, not a test runner's). */
function libraryPackage(script: string): string | undefined {
  return script === '' || isRunnerInternal(script) ? undefined : packageOfScript(script);
}

/** Whether a step's object is the user's code: a closure or a closure context from outside libraries and Node. */
function isUserCode(graph: HeapGraph, node: number): boolean {
  const type = graph.nodeType(node);
  const script = type === 'closure' ? scriptOfClosure(graph, node) : graph.nodeName(node) === 'system / Context' ? scriptOfContext(graph, node) : '';
  return script !== '' && libraryPackage(script) === undefined && !isNodeInternal(script) && !isRunnerInternal(script);
}

/**
 * The hint for `obj` (the leaked instance at the end of `path`, of class `name`), or undefined when
 * its path does not start at a library's timer, passes through the user's code or a holder of
 * theirs, or `obj` has no release method.
 */
export function ownTimerHint(graph: HeapGraph, path: RetainerPath, obj: object, name: string): string | undefined {
  const first = path.steps[path.start];
  if (first?.holder?.kind !== 'timer') return undefined;
  const pkg = libraryPackage(timerCallbackScript(graph, first.node));
  if (pkg === undefined) return undefined;
  const rest = path.steps.slice(path.start + 1);
  if (rest.some((step) => (step.holder !== undefined && step.holder.kind !== 'timer' && step.holder.kind !== 'listener') || step.file !== undefined || isUserCode(graph, step.node))) {
    return undefined;
  }
  const methods = releaseMethodsOf(obj).map((method) => `${method}()`);
  if (methods.length === 0) return undefined;
  const timer = first.holder.repeat ? 'an interval' : 'a timer';
  // Which of several clears the timer is the library's to say (bottleneck's stop() does not, its
  // disconnect() does): all are named.
  const call = methods.length === 1 ? `${name} has ${methods[0]}; call it` : `${name} has ${methods.slice(0, -1).join(', ')} and ${methods.at(-1)}; call the one that ends it`;
  return `${timer} that ${pkg} set keeps this ${name} alive until it is cleared: ${call} when you are done with the ${name}`;
}
