/** Counts reads so /metrics can show the hit ratio; the store calls it, observability implements it. */
export type CacheReadRecorder = (result: 'hit' | 'miss' | 'error', count?: number) => void;

/** Raised when the cache cannot be reached; callers decide whether to degrade or fail. */
export class CacheUnavailableError extends Error {
  constructor(
    cause?: unknown,
    /** True when the cache did not answer in time (rather than refusing or failing). */
    readonly timedOut = false,
  ) {
    super(`cache unavailable${cause instanceof Error ? `: ${cause.message}` : ''}`);
    this.name = 'CacheUnavailableError';
  }
}

/** Result of `readVersioned`. */
export interface VersionedRead {
  /** The entry's value when every version counter it recorded still holds the recorded version. */
  value: string | null;
  /** The CURRENT versions ('0' when absent) of the given counters, read atomically with the entry; on a
   *  miss also of every counter the stale entry had recorded, i.e. read before the caller rebuilds. */
  versions: Map<string, string>;
  /** On a hit: every counter the entry recorded with its version (all current), in recorded order. */
  recorded?: Array<[string, string]>;
}

/**
 * The cache contract shared by Redis (production, many instances) and the in-process store
 * (embedded default, one instance). Keys are given without the configured prefix.
 * TTLs are in seconds; 0 or undefined = no expiry.
 */
export abstract class CacheStore {
  abstract readonly kind: 'redis' | 'memory';

  abstract get(key: string): Promise<string | null>;
  abstract mget(keys: string[]): Promise<(string | null)[]>;
  abstract set(key: string, value: string, ttlSeconds?: number): Promise<void>;
  /** SET NX: true when the key was absent and is now set. */
  abstract setIfAbsent(key: string, value: string, ttlSeconds?: number): Promise<boolean>;
  /** Atomically replaces the value only if it still equals `expected` (null = key absent). */
  abstract compareAndSet(key: string, expected: string | null, value: string, ttlSeconds?: number): Promise<boolean>;
  abstract del(...keys: string[]): Promise<number>;
  /** Atomic increment; the TTL is applied when the counter is created by this call. */
  abstract incr(key: string, ttlSeconds?: number): Promise<number>;
  /**
   * Versioned entries (one round trip): returns the entry of `key` only if each version counter
   * recorded with it (see `writeVersioned`) still holds the recorded value; otherwise the current
   * versions of `counters` and of the counters the stale entry recorded. Counters are `incr` keys.
   * Built for hot paths: a read that gets no answer within a short bound (Redis: 300 ms) fails with
   * `CacheUnavailableError` (timedOut) instead of waiting for the general command timeout.
   */
  abstract readVersioned(key: string, counters: readonly string[]): Promise<VersionedRead>;
  /**
   * Current values of version counters ('0' when absent), in order; bounded and batched like
   * `readVersioned` (one MGET per batch for every caller's counters, duplicates read once).
   */
  abstract readCounters(counters: readonly string[]): Promise<string[]>;
  /** Stores `value` with the versions it was built from (read BEFORE building it). '?' = unknown, never fresh. */
  abstract writeVersioned(
    key: string,
    versions: ReadonlyArray<readonly [string, string]>,
    value: string,
    ttlSeconds: number,
  ): Promise<void>;
  /** Remaining TTL in seconds: -2 no key, -1 no expiry. */
  abstract ttl(key: string): Promise<number>;
  abstract publish(channel: string, message: string): Promise<void>;
  /** Returns an unsubscribe function. Handlers are called for messages published by any instance. */
  abstract subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>>;
  /** Resolves true when the store answers. Never throws. */
  abstract ping(): Promise<boolean>;
  /** Registers a listener called each time the connection is (re-)established after a loss. */
  abstract onReconnect(listener: () => void): void;
  abstract close(): Promise<void>;
}
