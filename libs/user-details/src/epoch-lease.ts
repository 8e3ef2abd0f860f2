import { performance } from 'node:perf_hooks';

/** Allowance for monotonic clocks of different machines running at slightly different rates. */
const CLOCK_RATE_ALLOWANCE = 1.02;
const SLACK_MS = 20;

/**
 * How long this instance may trust the shared cache without looking at PostgreSQL's cache epoch.
 *
 * A confirmation is: read `aventian.cache_epoch` (PostgreSQL), then see that the cache has applied it.
 * It grants a lease of `leaseMs` counted from the moment the PostgreSQL read was SENT (so the lease
 * ends no later than `leaseMs` after any write committed before that read could have been seen).
 * Cached answers are served only while the lease is held.
 *
 * A writer that cannot reach the cache records its missed invalidation by incrementing the epoch in
 * PostgreSQL and then `outlast`s the lease before it returns: every lease granted by a read that
 * started before its increment has expired on every instance by then, and every later confirmation
 * reads the new epoch and applies it to the cache (or fails, and that instance answers from
 * PostgreSQL). Only durations are compared, each on one machine's monotonic clock: no clock sync needed.
 */
export class EpochLease {
  /** performance.now() until which the cache is trusted. */
  private until = 0;

  constructor(
    readonly leaseMs: number,
    /** The in-process store lives and dies with this process: nothing can be missed, no lease needed. */
    private readonly always = false,
  ) {}

  /** The hot path's check: no I/O, no allocation. */
  held(): boolean {
    return this.always || performance.now() < this.until;
  }

  /** A confirmation whose PostgreSQL read was sent at `startedAt` (performance.now()) succeeded. */
  confirmed(startedAt: number): void {
    this.until = Math.max(this.until, startedAt + this.leaseMs);
  }

  /** This instance itself missed a bump: trust nothing until the next confirmation. */
  drop(): void {
    this.until = 0;
  }

  /** Resolves once every lease that any instance can hold from a confirmation sent before this call has expired. */
  async outlast(): Promise<void> {
    const end = performance.now() + this.leaseMs * CLOCK_RATE_ALLOWANCE + SLACK_MS;
    // Timers may fire a millisecond early: loop on the clock, not on the timer.
    for (let left = end - performance.now(); left > 0; left = end - performance.now()) {
      await new Promise((resolve) => setTimeout(resolve, Math.ceil(left)));
    }
  }
}
