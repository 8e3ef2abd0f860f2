import { CacheReadRecorder, CacheStore } from '@avn/cache';
import { encodeVersioned, parseVersioned } from './versioned-entry';

/** Result of `readVersioned`. */
export interface VersionedRead {
  /** The entry's value when every version counter it recorded still holds the recorded version. */
  value: string | null;
  /** The CURRENT versions ('0' when absent) of the given counters, read with the entry; on a miss
   *  also of every counter the stale entry had recorded, i.e. read before the caller rebuilds. */
  versions: Map<string, string>;
  /** On a hit: every counter the entry recorded with its version (all current), in recorded order. */
  recorded?: Array<[string, string]>;
}

/**
 * GetUserDetails' cache protocol on top of the generic store: an entry records the versions of the
 * counters it was built from and is served only while all of them still hold those versions.
 * Counters are the store's `incr` keys (AccessInvalidator bumps them). Hot-path calls are bounded and
 * batched by the store (one pipeline per event-loop turn on Redis).
 */
export abstract class VersionedEntries {
  /**
   * The entry of `key` only if each version counter it recorded still holds the recorded value;
   * otherwise the current versions of `counters` and of the counters the stale entry recorded.
   */
  abstract readVersioned(key: string, counters: readonly string[]): Promise<VersionedRead>;
  /** Current values of version counters ('0' when absent), in order. */
  abstract readCounters(counters: readonly string[]): Promise<string[]>;
  /** Stores `value` with the versions it was built from (read BEFORE building it). '?' = unknown, never fresh. */
  abstract writeVersioned(
    key: string,
    versions: ReadonlyArray<readonly [string, string]>,
    value: string,
    ttlSeconds: number,
  ): Promise<void>;
}

/**
 * Any store (the in-process one in practice). The entry is read with the counters in one call: a
 * counter bumped after the entry was written was bumped after the entry's versions were read, so
 * it is seen changed, whatever the interleaving (the same argument as for in-process copies).
 */
export class StoreVersionedEntries extends VersionedEntries {
  constructor(
    private readonly store: CacheStore,
    private readonly recordRead: CacheReadRecorder = () => undefined,
  ) {
    super();
  }

  async readVersioned(key: string, counters: readonly string[]): Promise<VersionedRead> {
    const [entry] = await this.store.mgetInTurn([key]);
    const parsed = entry === null ? null : parseVersioned(entry);
    const names = [...new Set([...counters, ...(parsed?.versions.map(([k]) => k) ?? [])])];
    const values = await this.store.mgetInTurn(names);
    const current = new Map(names.map((k, i) => [k, values[i] ?? '0']));
    const versions = new Map(counters.map((k) => [k, current.get(k)!]));
    if (parsed && parsed.versions.length > 0 && parsed.versions.every(([k, v]) => current.get(k) === v)) {
      this.recordRead('hit');
      return { value: parsed.value, versions, recorded: parsed.versions };
    }
    this.recordRead('miss');
    for (const [k] of parsed?.versions ?? []) versions.set(k, current.get(k)!);
    return { value: null, versions };
  }

  async readCounters(counters: readonly string[]): Promise<string[]> {
    return (await this.store.mgetInTurn(counters)).map((v) => v ?? '0');
  }

  writeVersioned(key: string, versions: ReadonlyArray<readonly [string, string]>, value: string, ttlSeconds: number): Promise<void> {
    return this.store.setInTurn(key, encodeVersioned(versions, value), ttlSeconds);
  }
}
