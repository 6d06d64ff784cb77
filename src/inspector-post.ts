/**
 * A synchronous `post` over an in-process inspector session (in-process sessions answer before
 * `post` returns). Shared by the heap queries and snapshots; carries no state of its own.
 */
import type * as inspector from 'node:inspector';
import { TrackrefError } from './errors';

export function post<R>(session: inspector.Session, method: string, params?: object): R {
  let failure: Error | null = null;
  let answer: unknown;
  let answered = false;
  session.post(method, params, (err: Error | null, result?: unknown) => {
    failure = err;
    answer = result;
    answered = true;
  });
  if (!answered) {
    throw new TrackrefError(`The inspector did not answer ${method} synchronously; trackref needs an in-process inspector session.`);
  }
  if (failure) throw failure;
  return answer as R;
}
