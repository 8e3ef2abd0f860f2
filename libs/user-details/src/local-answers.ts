/** What the process remembers of one answer: every version counter it was built from, and their versions. */
export interface LocalAnswer {
  /** The answer, or null when it can never be served (a version was unknown): dependencies only. */
  body: string | null;
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
 * before it returns, and any later read sees the bump.
 *
 * An answer built with an unknown version ('?': a dependency the SQL found first, e.g. a user's first
 * read) or under an absent global epoch can never be served, but its counter list is still kept
 * (`body` null): the next read of that user pre-reads exactly those counters with the same plain
 * MGET, instead of the entry script, and rebuilds with every version known.
 *
 * Bounded: past `max` records the oldest is dropped (insertion order).
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

  /** Keeps `body` under `recorded` (counter, version) pairs; only the counters when it could never be served. */
  set(key: string, recorded: ReadonlyArray<readonly [string, string]>, body: string): void {
    const counters: string[] = [];
    const versions: string[] = [];
    let servable = true;
    for (const [counter, version] of recorded) {
      if (version === '?') servable = false;
      counters.push(counter);
      versions.push(version);
    }
    const apiKeysAt = counters.indexOf(this.apiKeysCounter);
    const epochAt = counters.indexOf(this.epochCounter);
    // Without the stamp counters the gate could not be checked on a hit: such a record is no use.
    if (apiKeysAt < 0 || epochAt < 0) return this.delete(key);
    if (versions[epochAt] === '0') servable = false;
    this.entries.delete(key); // re-inserted last: eviction order follows the last store
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { body: servable ? body : null, counters, versions, apiKeysAt, epochAt });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * The answer to serve when `current` (values of `answer.counters`, in order) still equals what it was
 * built from; null when stale or never servable.
 */
export function freshBody(answer: LocalAnswer, current: readonly string[]): string | null {
  if (answer.body === null) return null;
  const recorded = answer.versions;
  for (let i = 0; i < recorded.length; i++) if (current[i] !== recorded[i]) return null;
  return answer.body;
}
