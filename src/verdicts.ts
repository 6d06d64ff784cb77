/**
 * LeakCanary-style verdicts for the steps of a retainer trace: each object reached is expected to live
 * ("no": a module variable, a global, a class, a pending timer, a pool, an object older than the
 * runs), leaking ("yes": created during the runs and still alive, the leaked instance itself) or
 * unknown, with a short reason; and the one reference most likely to be the bug, between the last
 * "no" and the first "yes". Pure: works on the notes explain.ts made, never on the heap, and never
 * changes a check's verdict.
 */
import type { RetainerHolder, RetainerStepNote } from './report';

/** Why a holder is expected to live (or, for references, why it holds). */
function holderReason(holder: RetainerHolder): { leaking: 'no' | 'unknown'; reason: string } {
  switch (holder.kind) {
    case 'module-variable':
      return { leaking: 'no', reason: holder.file === undefined ? 'module variable' : `module variable of ${holder.file}` };
    case 'module-exports':
      return { leaking: 'no', reason: `exports of ${holder.file}` };
    case 'global':
      return { leaking: 'no', reason: 'global' };
    case 'class-static':
      return { leaking: 'no', reason: 'class static field' };
    case 'weakmap-value':
      return { leaking: 'unknown', reason: 'WeakMap value: held while its key lives' };
    case 'timer':
      if (holder.repeat) return { leaking: 'no', reason: 'interval: runs until cleared' };
      if (holder.rearmed === true) return { leaking: 'no', reason: 'timer set again each time it fires: holds until cleared' };
      return { leaking: 'no', reason: holder.dueInMs === undefined ? 'pending timer: released when it fires' : `pending timer: released when it fires in ${(Math.max(0, holder.dueInMs) / 1000).toFixed(1)} s` };
    case 'abort-signal':
      return { leaking: 'no', reason: holder.delayMs === undefined ? 'kept by Node until it aborts' : `kept by Node until it aborts, within ${(holder.delayMs / 1000).toFixed(1)} s of being made` };
    case 'listener':
      return { leaking: 'unknown', reason: `${holder.emitter === 'EventTarget' ? 'EventTarget' : 'EventEmitter'} listener: held until removed` };
    case 'idle-socket':
      return { leaking: 'no', reason: 'idle keep-alive socket: released when it closes' };
    case 'async-context':
      return { leaking: 'unknown', reason: holder.selfReleasing ? 'AsyncLocalStorage store: released with its resource' : 'AsyncLocalStorage store carried by a resource' };
    case 'stream-read':
      return { leaking: 'unknown', reason: 'pending read of a stream: held until data comes, or the stream ends or is cancelled' };
    case 'http-request':
      return { leaking: 'unknown', reason: 'HTTP request in flight: held until its response ends or it is aborted' };
    case 'promise-reaction':
      return { leaking: 'unknown', reason: 'reaction of an unsettled promise: held until it settles' };
    case 'worker':
      return { leaking: 'no', reason: 'running worker thread: held until it exits or is terminated (a pool’s destroy() or close())' };
    case 'server':
      return { leaking: 'no', reason: 'listening server: holds its listeners until it is closed (server.close())' };
  }
}

/** Runtime holders whose owner wires one listener per event to them (see judgeSteps). */
const WIRED_HOLDERS: ReadonlySet<RetainerHolder['kind'] | undefined> = new Set<RetainerHolder['kind']>(['worker', 'server', 'idle-socket', 'http-request']);

/** References that add an entry to a collection (the usual bug: an entry added and never removed); not a symbol-keyed property (`['<symbol client>']`). */
export const ENTRY = /^\s*(?:\[(?!'<symbol )|\.get\(|\(Set member\)|\(Map key\)|listeners |\.then\(|\.catch\(|await in |AsyncLocalStorage store)/;

/**
 * The index of the step that is an idle socket of the leaked agent's own pool (`ownAgentLeaked`: an
 * agent made per request and never destroyed), or -1: the agent's own listeners after it go with it.
 */
export function ownIdleSocketIndex(steps: ReadonlyArray<{ holder?: RetainerHolder }>): number {
  return steps.findIndex((step) => step.holder?.kind === 'idle-socket' && step.holder.ownAgentLeaked === true);
}

/**
 * Fills `leaking`, `reason` and `suspect` on the notes of one trace (from its first shown step to the
 * leaked instance, which is last). Notes are changed in place and returned.
 */
export function judgeSteps(notes: RetainerStepNote[]): RetainerStepNote[] {
  notes.forEach((note, i) => {
    if (i === notes.length - 1) {
      note.leaking = 'yes';
      note.reason = 'the leaked instance';
    } else if (note.createdDuringRuns === true) {
      note.leaking = 'yes';
      note.reason = 'created during the runs, still alive';
    } else if (note.createdDuringRuns === false) {
      note.leaking = 'no';
      note.reason = 'existed before the runs';
    } else if (note.holder !== undefined) {
      const { leaking, reason } = holderReason(note.holder);
      note.leaking = leaking;
      note.reason = reason;
    } else {
      note.leaking = 'unknown';
    }
  });
  const firstYes = notes.findIndex((note) => note.leaking === 'yes');
  let lastNo = -1;
  for (let i = 0; i < firstYes; i++) if (notes[i]!.leaking === 'no') lastNo = i;
  // The reference into the first leaking object, or out of the last object expected to live: a
  // listener in between (one added and never removed: what it holds, a closure's own array included,
  // goes with it), else an HTTP request still in flight (a stream never closed: what reads it waits
  // with it), else the last reaction of an unsettled promise, else the last collection entry (an
  // entry added and never removed), else the first reference after it.
  const lastBetween = (matches: (note: RetainerStepNote, index: number) => boolean): number => {
    for (let i = firstYes; i > lastNo; i--) if (matches(notes[i]!, i)) return i;
    return -1;
  };
  // A listener whose owner (an object the listener holds) holds the emitter itself, as a pool does
  // its client's 'drain', unless that emitter is known to live anyway: its owner's wiring, like the
  // listener's entry in its list. What keeps the emitter (an open socket) is nearer the bug.
  const wiring = (index: number): boolean => {
    const holder = notes[index]?.holder;
    return holder?.kind === 'listener' && holder.ownerListens === true && notes[index - 1]?.leaking !== 'no';
  };
  const wired = (note: RetainerStepNote, index: number): boolean => wiring(index) || (wiring(index - 1) && /^\s*\[\d+\]$/.test(note.text));
  let suspect = lastBetween((note, index) => note.holder?.kind === 'listener' && !wiring(index));
  const ownSocket = ownIdleSocketIndex(notes);
  // The listener's own entry in its list (`[2]`), when the trace shows it as a step of its own.
  if (suspect >= 0 && suspect < firstYes && /^\s*\[\d+\]$/.test(notes[suspect + 1]!.text)) suspect++;
  // The only listener for an event on a running worker, a listening server, an idle pooled socket or
  // a request in flight is its owner's wiring (a pool listens to its workers, an app to its server,
  // an http.Agent to its sockets, a client to its request): the worker left running, the server
  // never closed, the agent never destroyed, the response never read is the bug, not the listener.
  // Listeners piling up (a list, `[2]`) stay the suspect. An entry further on (a handler added per
  // request to a router or an app the server serves: `this.middleware[3]`) is nearer the bug than
  // the server that is meant to live.
  else if (suspect > 0 && WIRED_HOLDERS.has(notes[suspect - 1]!.holder?.kind)) {
    const wiredListener = suspect;
    const entry = lastBetween((note, index) => index > wiredListener && ENTRY.test(note.text) && !wired(note, index));
    suspect = entry >= 0 ? entry : suspect - 1;
  }
  if (suspect < 0) suspect = lastBetween((note) => note.holder?.kind === 'http-request');
  if (suspect < 0) suspect = lastBetween((note) => note.holder?.kind === 'promise-reaction');
  if (suspect < 0) suspect = lastBetween((note, index) => ENTRY.test(note.text) && !wired(note, index));
  if (suspect < 0) suspect = Math.min(lastNo + 1, notes.length - 1);
  // An agent's own listeners on an idle socket of its pool, when the agent is what leaked (made per
  // request, never destroyed): the socket kept in its pool is the bug, whatever else listens to it.
  if (ownSocket >= 0 && suspect > ownSocket) suspect = ownSocket;
  // A library's timer or handle that only the library's objects lead from (its release method never
  // called): the timer left running, the socket left open is the bug, not a reference inside the library.
  if (notes[0]?.keptByLibrary === true && ownSocket < 0) suspect = 0;
  // A trace that starts at a leaking object (only a running function holds it) names no reference.
  if (firstYes > 0 && notes[suspect] !== undefined) notes[suspect]!.suspect = true;
  return notes;
}
