/**
 * Library objects kept alive by a library's own timer or open handle. When a leaked instance's
 * retainer path starts at a pending timer or an interval whose callback is a library's code (in
 * node_modules), or at an open handle of Node's (a socket ws's WebSocket keeps open), and runs
 * only through library and Node code to the instance, the user never holds it: the library does,
 * until the timer is cleared or the handle closed, which is what the instance's own release method
 * (`close()`, `stop()`…) is for. This module says so, naming the package that set the timer and the
 * method the instance has (node-cache's check timer and `close()`, bottleneck's interval and `stop()`
 * or `disconnect()`, a socket.io client's ping timer and `close()`, ws's `close()` and `terminate()`),
 * all of them when it has several: which one clears the timer is the library's to say. When the
 * instance is of the user's own class (a pool's resource, made by the user's factory), its methods
 * cannot clear the library's timer: the library object on the way that has release methods is named
 * instead (generic-pool's Pool, read from the snapshot: `destroy()` and `drain()`). It never claims
 * more: no method found, no hint. A path that starts at a listening server names the server's `close()`;
 * one that starts at a library's module variable (node-schedule's registry of jobs) gets the same line.
 * Reads the heap snapshot only (function-valued properties along the prototype chain): never runs
 * a getter, a setter or a proxy trap, and never touches a live object.
 */
import { isAbsolute, sep } from 'node:path';
import { isNodeInternal, isRunnerInternal, scriptOfClosure, scriptOfContext, targetNamed, timerCallbackScript } from './holders';
import { packageOfScript } from './library-slot';
import type { RetainerPath } from './retainers';
import type { HeapGraph } from './snapshot/graph';
import { ownIdleSocketIndex } from './verdicts';

/** Methods that release a library object, most usual first. */
const RELEASE_METHODS = ['close', 'stop', 'cancel', 'destroy', 'dispose', 'disconnect', 'shutdown', 'drain', 'end', 'quit', 'terminate'];

/** A path's first step that is an open handle of Node's: `(open Socket)`. */
const OPEN_HANDLE = /^\(open (\w+)\)$/;

/** Prototype levels read at most from the snapshot (an object, its class's prototype, the base classes'). */
const MAX_PROTOTYPE_LEVELS = 8;

/**
 * The release methods a snapshot object has (function-valued properties of its own or of its
 * prototypes), read from the snapshot alone, in RELEASE_METHODS' order.
 */
function releaseMethodsInSnapshot(graph: HeapGraph, node: number): string[] {
  const found = new Set<string>();
  let level = node;
  for (let depth = 0; level >= 0 && depth < MAX_PROTOTYPE_LEVELS; depth++) {
    for (let e = graph.firstEdge[level]!; e < graph.firstEdge[level + 1]!; e++) {
      const name = graph.edgeName(e);
      if (graph.edgeType(e) === graph.edgeProperty && typeof name === 'string' && RELEASE_METHODS.includes(name) && graph.nodeType(graph.edgeTo(e)) === 'closure') found.add(name);
    }
    level = targetNamed(graph, level, '__proto__');
  }
  return RELEASE_METHODS.filter((method) => found.has(method));
}

/** The script of the class a snapshot object was made by (its prototype's constructor), '' when unknown. */
function classScriptOf(graph: HeapGraph, node: number): string {
  const proto = targetNamed(graph, node, '__proto__');
  const constructor = proto < 0 ? -1 : targetNamed(graph, proto, 'constructor');
  return constructor < 0 ? '' : scriptOfClosure(graph, constructor);
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
 * The hint for the leaked instance at the end of `path` (of class `name`), or undefined when its
 * path does not start at a listening server, a library's timer, an open handle or a library's module
 * variable, passes through the user's code or a holder of theirs, or nothing on it has a release
 * method.
 */
export function ownTimerHint(graph: HeapGraph, path: RetainerPath, name: string): string | undefined {
  const first = path.steps[path.start];
  if (first === undefined) return undefined;
  const rest = path.steps.slice(path.start + 1);
  const userStep = rest.findIndex((step) => (step.holder !== undefined && step.holder.kind !== 'timer' && step.holder.kind !== 'listener') || step.file !== undefined || isUserCode(graph, step.node));
  // A server left listening (an app's, after `app.listen()`): closing it lets go of everything its
  // listeners hold. Not when the path goes on through the user's code (a router or an io server of
  // theirs to which each request adds a handler): the server is meant to live, the handlers piling
  // up are the bug.
  if (first.holder?.kind === 'server') {
    if (userStep >= 0) return undefined;
    const methods = releaseMethodsInSnapshot(graph, first.node);
    return methods.length === 0 ? undefined : `a listening Server keeps this ${name} alive until it is closed: the Server ${releaseCall(methods)} when you are done with it`;
  }
  // An agent made per request and never destroyed, held by an idle socket of its own pool (through
  // its own listeners on it) until the socket's idle timeout closes it.
  if (ownIdleSocketIndex(path.steps) >= 0) {
    const methods = releaseMethodsInSnapshot(graph, path.steps.at(-1)!.node);
    return methods.length === 0 ? undefined : `an idle keep-alive socket of this ${name}'s own pool keeps it alive until the socket closes: ${name} ${releaseCall(methods)} when you are done with the ${name} (or share one ${name})`;
  }
  // A timer a library set, an open handle (a socket a client library opened: ws's WebSocket), or a
  // library's module variable (node-schedule's registry of jobs).
  const handle = OPEN_HANDLE.exec(first.text)?.[1];
  // (A holder's file is shown relative to the working directory: `node_modules/node-schedule/lib/…`.)
  const moduleFile = first.holder?.kind === 'module-variable' || first.holder?.kind === 'module-exports' ? first.holder.file : undefined;
  const modulePackage = moduleFile === undefined ? undefined : libraryPackage(isAbsolute(moduleFile) ? moduleFile : `${sep}${moduleFile}`);
  let timer: string;
  let until: string;
  if (first.holder?.kind === 'timer') {
    const pkg = libraryPackage(timerCallbackScript(graph, first.node));
    if (pkg === undefined) return undefined;
    timer = `${first.holder.repeat ? 'an interval' : 'a timer'} that ${pkg} set`;
    until = 'until it is cleared';
  } else if (handle !== undefined) {
    timer = `an open ${handle}`;
    until = 'until it is closed';
  } else if (modulePackage !== undefined) {
    timer = `a module variable of ${modulePackage}`;
    until = 'until it lets go of it';
  } else {
    return undefined;
  }
  // An instance of the user's own class (a pool's resource, made by the user's factory; a crawl a
  // job's callback of theirs holds) cannot clear the library's timer, whatever methods it has: the
  // library object on the way, before any code of the user's, that has release methods can
  // (generic-pool's Pool and its evictor timer, cron's CronJob and its callbacks).
  const leaked = path.steps.at(-1)!.node;
  const leakedScript = classScriptOf(graph, leaked);
  if (leakedScript !== '' && libraryPackage(leakedScript) === undefined && !isNodeInternal(leakedScript)) {
    for (const step of userStep < 0 ? rest : rest.slice(0, userStep)) {
      if (step.node === leaked || graph.nodeType(step.node) !== 'object' || libraryPackage(classScriptOf(graph, step.node)) === undefined) continue;
      const methods = releaseMethodsInSnapshot(graph, step.node);
      if (methods.length === 0) continue;
      const owner = graph.nodeName(step.node);
      return `${timer} keeps this ${name} alive ${until}: the ${owner} holding it ${releaseCall(methods)} when you are done with the ${owner}`;
    }
    return undefined;
  }
  if (userStep >= 0) return undefined;
  const methods = releaseMethodsInSnapshot(graph, leaked);
  if (methods.length === 0) return undefined;
  return `${timer} keeps this ${name} alive ${until}: ${name} ${releaseCall(methods)} when you are done with the ${name}`;
}

/**
 * `has close(); call it`, or, with several, all of them: which one clears the timer is the
 * library's to say (bottleneck's stop() does not, its disconnect() does).
 */
function releaseCall(methods: readonly string[]): string {
  const calls = methods.map((method) => `${method}()`);
  return calls.length === 1 ? `has ${calls[0]}; call it` : `has ${calls.slice(0, -1).join(', ')} and ${calls.at(-1)}; call the one that ends it`;
}
