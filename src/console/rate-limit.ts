/**
 * Login throttling per remote address: after the k-th failed login in a row an address waits
 * baseDelayMs * 2^(k-1) (capped at maxDelayMs) before it may try again, and after maxFailures it is
 * locked out for lockoutMs. Failures are forgotten lockoutMs after the last one or at a successful
 * login. Bounded memory: expired entries are pruned and at most MAX_ADDRESSES are remembered.
 * Must never decide whether a password is right; it only says whether an attempt may be made.
 */
import type { ConsoleRateLimit } from './options';

const MAX_ADDRESSES = 10_000;

interface FailureRecord {
  failures: number;
  lastFailure: number;
  blockedUntil: number;
}

export class LoginThrottle {
  private readonly byAddress = new Map<string, FailureRecord>();

  constructor(
    private readonly limits: Required<ConsoleRateLimit>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds `address` must still wait before a login attempt (0 when it may try now). */
  waitFor(address: string): number {
    const record = this.current(address);
    return record === undefined ? 0 : Math.max(0, record.blockedUntil - this.now());
  }

  /** Records a failed attempt; returns the failures in a row and whether the address is now locked out. */
  fail(address: string): { failures: number; lockedOut: boolean; waitMs: number } {
    const now = this.now();
    const record = this.current(address) ?? { failures: 0, lastFailure: now, blockedUntil: now };
    record.failures += 1;
    record.lastFailure = now;
    const lockedOut = record.failures >= this.limits.maxFailures;
    const delay = lockedOut ? this.limits.lockoutMs : Math.min(this.limits.baseDelayMs * 2 ** (record.failures - 1), this.limits.maxDelayMs);
    record.blockedUntil = now + delay;
    this.byAddress.delete(address); // re-insert: the Map stays ordered by last failure
    this.byAddress.set(address, record);
    this.prune(now);
    return { failures: record.failures, lockedOut, waitMs: delay };
  }

  /** Forgets an address's failures (after a successful login). */
  succeed(address: string): void {
    this.byAddress.delete(address);
  }

  private current(address: string): FailureRecord | undefined {
    const record = this.byAddress.get(address);
    if (record !== undefined && this.expired(record, this.now())) {
      this.byAddress.delete(address);
      return undefined;
    }
    return record;
  }

  private expired(record: FailureRecord, now: number): boolean {
    return now >= record.blockedUntil && now - record.lastFailure >= this.limits.lockoutMs;
  }

  private prune(now: number): void {
    for (const [address, record] of this.byAddress) {
      if (this.byAddress.size <= MAX_ADDRESSES && !this.expired(record, now)) break;
      this.byAddress.delete(address);
    }
  }
}
