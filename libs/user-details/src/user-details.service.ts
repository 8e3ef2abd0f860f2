import { Injectable, Logger } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { CacheKeys, CacheUnavailableError } from '@avn/cache';
import { Errors } from '@avn/common';
import { MetricsService } from '@avn/observability';
import { AccessInvalidator } from './access-invalidator';
import { freshBody, LocalAnswer, LocalAnswers } from './local-answers';
import { GatePass, KEY_STAMP_COUNTERS, ProductKeyGate, stampOf } from './product-key-gate';
import { UserDetailsRepository } from './user-details.repository';
import { VersionedEntries } from './versioned-entries';

/** Safety net only: entries are invalidated by version, never by expiry (and never slid). */
const ENTRY_TTL_SECONDS = 3600;
/** A cache probe slower than this is treated as an outage (entry reads are bounded by the store). */
const CACHE_READ_TIMEOUT_MS = 300;
/** After a cache failure, requests skip the cache this long before probing it again. */
const CACHE_RETRY_AFTER_MS = 1000;
const EPOCH = CacheKeys.epoch();

/** Response shape (see api-v1.md, GetUserDetails). */
export interface UserDetails {
  user: { id: string; email: string; displayName: string; status: 'active' | 'disabled' };
  product: string;
  teams: Array<{
    teamId: string;
    teamName: string;
    subscription: { plan: string; status: string };
    roles: Array<{ code: string; name: string; system: boolean }>;
    privileges: string[];
  }>;
}

/**
 * GetUserDetails for REST and gRPC. Answers are JSON text: a hit is returned as stored (no parse, no
 * serialisation), a miss is one SQL statement whose result is already the response body.
 *
 * Consistency: an entry records the versions of everything it was built from (user, product, each
 * team the user belongs to, each role feeding it, the global epoch) as read BEFORE the SQL - the
 * read that finds the miss returns them in the same round trip - and a hit requires all of them to
 * be unchanged (checked inside the cache, one round trip). A write bumps its versions after COMMIT
 * and before it returns, so any read starting after the write either sees a bumped version (miss) or
 * reads PostgreSQL after the commit. A slow read that started before a write can still store its
 * stale answer, but under the old versions, so it is never served. Dependencies first discovered by
 * the SQL itself (a first read, a newly granted role) have no pre-read version: they are stored as
 * unknown ('?'), which never matches, and the next read rebuilds with all versions pre-read.
 */
@Injectable()
export class UserDetailsService {
  private readonly logger = new Logger(UserDetailsService.name);
  private readonly degraded: Counter<'reason'>;
  private readonly outages: Counter;
  /** Cache skipped until then (ms epoch) after a failure. */
  private cacheRetryAt = 0;
  /** Set by a cache failure: the cache is not trusted again before missed invalidations are applied. */
  private inOutage = false;
  /** In-process copies of answers, each served only after its counters are re-read (see LocalAnswers). */
  private readonly local = new LocalAnswers(CacheKeys.apiKeysVersion(), CacheKeys.epoch());
  private readonly cacheHits: { inc(): void };
  private readonly cacheMisses: { inc(): void };

  constructor(
    private readonly cache: VersionedEntries,
    private readonly repository: UserDetailsRepository,
    private readonly invalidator: AccessInvalidator,
    private readonly gate: ProductKeyGate,
    metrics: MetricsService,
  ) {
    this.degraded = metrics.counter(
      'avn_user_details_degraded_total',
      'GetUserDetails answers served from PostgreSQL without the cache (cache unavailable)',
      ['reason'],
    );
    this.outages = metrics.counter('avn_user_details_cache_outages_total', 'Cache outages seen by GetUserDetails');
    this.cacheHits = metrics.cacheReads.labels({ result: 'hit' });
    this.cacheMisses = metrics.cacheReads.labels({ result: 'miss' });
  }

  /**
   * The answer for the bearer of product key `key`, as JSON text (REST sends it as is): 401 for an
   * unknown or revoked key, 404 for an unknown user. On a cache hit this is one cache round trip:
   * the key's remembered verification is checked against the revocation counters read with the answer.
   */
  getJsonForKey(key: string, userId: string, teamId?: string): Promise<string> {
    const json = this.answerForKey(key, userId);
    return teamId === undefined ? json : json.then((text) => JSON.stringify(filterTeam(JSON.parse(text) as UserDetails, teamId)));
  }

  async getForKey(key: string, userId: string, teamId?: string): Promise<UserDetails> {
    const answer = JSON.parse(await this.answerForKey(key, userId)) as UserDetails;
    return teamId === undefined ? answer : filterTeam(answer, teamId);
  }

  // The hot path: written with as few awaits as the logic allows (each promise costs async-hook
  // bookkeeping on every request).
  private async answerForKey(key: string, userId: string): Promise<string> {
    // Checked once, when the request starts: a read that begins after a write returned must not use
    // a cache confirmation older than that write (see EpochLease).
    const trusted = (!this.inOutage && this.invalidator.leaseHeld()) || (await this.cacheUsable());
    const pass = this.gate.rememberedPass(key) ?? (await this.gate.verify(key, trusted));
    if (!pass) throw Errors.unauthenticated('Unknown or revoked product key');
    const productId = pass.principal.productId;
    const entryKey = CacheKeys.userDetails(userId, productId);

    let versions: Map<string, string> | null = null;
    let cached: string | null = null;
    const local = trusted ? this.local.get(entryKey) : undefined;
    if (local) {
      const checked = await this.localAnswer(key, pass, entryKey, local);
      if (typeof checked === 'string') return checked;
      // Stale copy: the counters just read are current versions of everything the last answer
      // depended on (a superset of `base`), read before the SQL below - what a cache miss returns.
      versions = checked;
    }
    const base = [CacheKeys.userVersion(userId), CacheKeys.productVersion(productId), ...KEY_STAMP_COUNTERS];
    if (versions === null && trusted) {
      try {
        const read = await this.cache.readVersioned(entryKey, base);
        versions = read.versions;
        cached = read.value;
        if (cached !== null && read.recorded) this.local.set(entryKey, read.recorded, cached);
      } catch (error) {
        this.cacheFailed(error);
      }
    } else if (versions === null) {
      this.degraded.inc({ reason: this.inOutage ? 'cache_unavailable' : 'epoch_unconfirmed' });
    }
    // The caller is checked before anything about the user is revealed (hit) or loaded (miss).
    if (!this.gate.isCurrent(pass, versions)) await this.verifyKeyAgain(key, versions !== null);
    if (cached !== null) return cached;

    const row = await this.repository.load(userId, productId);
    if (!row) throw Errors.notFound('User');

    if (versions) {
      // Versions read before the SQL; '?' where unknown (never fresh: the next read rebuilds). An
      // absent global epoch (cache flushed or restarted) vouches for nothing either.
      let servable = true;
      const deps: Array<readonly [string, string]> = [];
      const record = (k: string) => {
        let v = versions!.get(k);
        if (v === undefined || (v === '0' && k === EPOCH)) {
          v = '?';
          servable = false;
        }
        deps.push([k, v]);
      };
      for (const k of base) record(k);
      for (const teamId of row.teamIds) record(CacheKeys.teamVersion(teamId));
      for (const roleId of row.roleIds) record(CacheKeys.roleVersion(roleId));
      this.local.set(entryKey, deps, row.details);
      // Not awaited: the answer does not depend on it, and a failed store only costs a later miss. An
      // entry that can never be served is stored for its dependency list alone (other instances then
      // pre-read them), without the body.
      this.cache
        .writeVersioned(entryKey, deps, servable ? row.details : '', ENTRY_TTL_SECONDS)
        .catch((error: unknown) => this.cacheFailed(error));
    }
    return row.details;
  }

  /**
   * The in-process copy if every counter it depends on still holds its version (one batched MGET).
   * Stale: the counters' current versions, for the rebuild. Null: the cache failed (recorded).
   */
  private async localAnswer(
    key: string,
    pass: GatePass,
    entryKey: string,
    local: LocalAnswer,
  ): Promise<string | Map<string, string> | null> {
    let current: string[];
    try {
      current = await this.cache.readCounters(local.counters);
    } catch (error) {
      this.cacheFailed(error);
      return null;
    }
    const body = freshBody(local, current);
    if (body === null) {
      this.cacheMisses.inc();
      this.local.delete(entryKey);
      const versions = new Map<string, string>();
      for (let i = 0; i < current.length; i++) versions.set(local.counters[i], current[i]);
      return versions;
    }
    this.cacheHits.inc();
    if (!this.gate.isCurrentStamp(pass, stampOf(current[local.apiKeysAt], current[local.epochAt]))) await this.verifyKeyAgain(key, true);
    return body;
  }

  /** The remembered pass of the key is not provably current: 401 unless it verifies again now (SQL). */
  private async verifyKeyAgain(key: string, cacheUsable: boolean): Promise<void> {
    if (!(await this.gate.verify(key, cacheUsable))) throw Errors.unauthenticated('Unknown or revoked product key');
  }

  /**
   * The slow path of the trust check. In an outage: false while the cache is known to be down, and
   * true again only once missed bumps are applied. Otherwise the epoch lease ran out (the poll was
   * late, or PostgreSQL or the cache did not answer it): true once a confirmation that started now
   * renews it (bounded wait), else false and the request is answered from PostgreSQL.
   */
  private async cacheUsable(): Promise<boolean> {
    if (this.inOutage && Date.now() < this.cacheRetryAt) return false;
    if (this.inOutage) this.cacheRetryAt = Date.now() + CACHE_RETRY_AFTER_MS; // one probe at a time
    try {
      await this.withTimeout(this.invalidator.syncEpoch());
    } catch {
      return false;
    }
    // A confirmation that was already running when this request began may be too old: check again.
    if (!this.invalidator.leaseHeld()) return false;
    if (this.inOutage) {
      this.inOutage = false;
      this.logger.log('cache reachable again; GetUserDetails uses it again');
    }
    return true;
  }

  private cacheFailed(error: unknown): void {
    this.degraded.inc({ reason: error instanceof CacheUnavailableError && error.timedOut ? 'cache_timeout' : 'cache_error' });
    this.cacheRetryAt = Date.now() + CACHE_RETRY_AFTER_MS;
    if (this.inOutage) return;
    this.inOutage = true;
    this.outages.inc();
    // Logged once per outage; every degraded answer is counted in /metrics.
    this.logger.warn(`cache unavailable (${error instanceof Error ? error.message : String(error)}); answering from PostgreSQL`);
  }

  private withTimeout<T>(promise: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout;
    return Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        // Rejected from the check phase: a reply that arrived while the event loop was busy is
        // handled (poll phase) before, so CPU starvation alone is not mistaken for an outage.
        timer = setTimeout(
          () => setImmediate(() => reject(new CacheUnavailableError(new Error(`no answer within ${CACHE_READ_TIMEOUT_MS} ms`), true))),
          CACHE_READ_TIMEOUT_MS,
        );
      }),
    ]).finally(() => clearTimeout(timer));
  }
}

function filterTeam(answer: UserDetails, teamId: string): UserDetails {
  return { ...answer, teams: answer.teams.filter((t) => t.teamId === teamId) };
}
