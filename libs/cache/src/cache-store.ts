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
   * MGET for hot paths: the calls of one event-loop turn go to Redis as one deduplicated MGET in one
   * pipeline, bounded (Redis: 300 ms, then `CacheUnavailableError` timedOut instead of the general
   * command timeout). Not counted as cache reads (the caller knows what a hit is).
   */
  abstract mgetInTurn(keys: readonly string[]): Promise<(string | null)[]>;
  /** SET for hot paths: batched with the turn's other hot-path commands (see `mgetInTurn`), sent first. */
  abstract setInTurn(key: string, value: string, ttlSeconds: number): Promise<void>;
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
