/** An answer held in process, with every version counter it was built from and their versions. */
export interface LocalAnswer {
  body: string;
  counters: string[];
  versions: string[];
  /** Positions of the key-revocation counters in `counters` (the product-key gate's stamp). */
  apiKeysAt: number;
  epochAt: number;
}

/**
 * In-process copies of GetUserDetails answers, in front of the shared cache. A copy is never served
 * on its own authority: each use reads the CURRENT values of all its counters from the cache (one
 * batched MGET, far cheaper for Redis than the versioned-entry script and without shipping the
 * body) and serves the copy only if every one still equals the version it was built from - the same
 * test the cache applies to its own entry, so the same guarantees: a write bumps after COMMIT and
 * before it returns, and any later read sees the bump. Counters whose version was unknown ('?') or
 * an absent global epoch make a copy unservable, so it is not kept.
 *
 * Bounded: past `max` copies the oldest is dropped (insertion order).
 */
export class LocalAnswers {
  private readonly entries = new Map<string, LocalAnswer>();

  constructor(
    private readonly apiKeysCounter: string,
    private readonly epochCounter: string,
    private readonly max = 20_000,
  ) {}

  get(key: string): LocalAnswer | undefined {
    return this.entries.get(key);
  }

  /** Keeps `body` under `recorded` (counter, version) pairs; ignored when it could never be served. */
  set(key: string, recorded: ReadonlyArray<readonly [string, string]>, body: string): void {
    const counters: string[] = [];
    const versions: string[] = [];
    for (const [counter, version] of recorded) {
      if (version === '?') return this.delete(key);
      counters.push(counter);
      versions.push(version);
    }
    const apiKeysAt = counters.indexOf(this.apiKeysCounter);
    const epochAt = counters.indexOf(this.epochCounter);
    if (apiKeysAt < 0 || epochAt < 0 || versions[epochAt] === '0') return this.delete(key);
    this.entries.delete(key); // re-inserted last: eviction order follows the last store
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { body, counters, versions, apiKeysAt, epochAt });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}

/** True when `current` (values of `answer.counters`, in order) still equals what the answer was built from. */
export function isFresh(answer: LocalAnswer, current: readonly string[]): boolean {
  const recorded = answer.versions;
  for (let i = 0; i < recorded.length; i++) if (current[i] !== recorded[i]) return false;
  return true;
}
