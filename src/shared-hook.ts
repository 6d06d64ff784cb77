/**
 * An async_hooks init hook shared by every watcher of one kind: enabled when the first watcher starts,
 * disabled (and its notes dropped by `clear`) when the last one stops. Each stop function works once.
 * Holds only the hook and a count of watchers.
 */
import { createHook, type AsyncHook } from 'node:async_hooks';

type Init = (asyncId: number, type: string, triggerAsyncId: number, resource: object) => void;

/** Returns the function that starts a watcher (enabling the hook for the first); it returns the watcher's stop function. */
export function sharedInitHook(init: Init, clear: () => void): () => () => void {
  let hook: AsyncHook | undefined;
  let watchers = 0;
  return () => {
    if (watchers++ === 0) {
      hook = createHook({ init });
      hook.enable();
    }
    let stopped = false;
    return () => {
      if (stopped) return;
      stopped = true;
      if (--watchers > 0) return;
      hook?.disable();
      hook = undefined;
      clear();
    };
  };
}
