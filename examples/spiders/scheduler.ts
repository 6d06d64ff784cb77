// The Scheduler: a FIFO queue of pending Requests plus the fingerprints (strings, never the
// Requests themselves) of every request already scheduled, so each URL is crawled once.
// Requests wait here the longest, which is why whatever they reference lives that long too.
import type { Request } from './http';

export class Scheduler {
  readonly #queue: Request[] = [];
  #head = 0;
  readonly #seen = new Set<string>();
  #duplicates = 0;

  /** Queues `request` unless an identical one was scheduled before; returns whether it was queued. */
  enqueue(request: Request): boolean {
    if (!request.dontFilter) {
      const fp = request.fingerprint;
      if (this.#seen.has(fp)) {
        this.#duplicates++;
        return false;
      }
      this.#seen.add(fp);
    }
    this.#queue.push(request);
    return true;
  }

  /** The oldest pending request, removed from the queue, or undefined when the queue is empty. */
  next(): Request | undefined {
    if (this.#head >= this.#queue.length) {
      return undefined;
    }
    const request = this.#queue[this.#head]!;
    this.#queue[this.#head++] = undefined as unknown as Request; // drop the queue's reference now
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#head);
      this.#head = 0;
    }
    return request;
  }

  /** Drops every pending request (the seen set stays, so they are not re-queued). */
  clear(): number {
    const dropped = this.size;
    this.#queue.length = 0;
    this.#head = 0;
    return dropped;
  }

  get size(): number {
    return this.#queue.length - this.#head;
  }

  get seen(): number {
    return this.#seen.size;
  }

  get duplicates(): number {
    return this.#duplicates;
  }
}
