import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { CacheKeys, CacheStore } from '@avn/cache';
import { AppConfig } from '@avn/config';
import { DatabaseService, transactionStorage } from '@avn/database';
import { EpochLease } from './epoch-lease';

/** How often an instance that itself missed a bump retries applying it. */
const EPOCH_RETRY_MS = 200;
/** A version bump not acknowledged within this counts as missed (recorded in PostgreSQL instead). */
const BUMP_TIMEOUT_MS = 500;

/**
 * What every write that can change a user's teams, roles or privileges calls (grant, revoke, role
 * privilege change, membership removal, team deletion, subscription change, user disable...).
 *
 * Cached GetUserDetails entries record the versions they were built from; bumping a version makes
 * every entry built from it stale without touching them one by one (a role held by 10,000 users is
 * one INCR). Call these INSIDE the write's transaction: the bump is deferred until after COMMIT, so
 * a reader can never cache pre-commit data under the new version, and it is done before the write
 * returns to its caller.
 *
 * Cache outage: a bump that fails (or is not acknowledged within 500 ms) is recorded in PostgreSQL
 * instead (`aventian.cache_epoch` + 1). The cache holds the last applied PostgreSQL epoch
 * (`ver:dbepoch`); whoever sees the difference first bumps the global epoch (`ver:epoch`, a
 * dependency of every entry) and so distrusts everything cached before the outage. Every instance
 * confirms the epoch every quarter of CACHE_EPOCH_LEASE_MS and trusts the cache only while its last
 * confirmation is younger than the lease (`EpochLease`); the writer returns only after outlasting
 * the lease, so no instance can serve a pre-write answer once the write has returned. The bumps of
 * one transaction are applied together: one record and one wait however many keys it changed. A
 * lost connection also bumps the epoch on reconnect, since the server may have come back from an
 * older snapshot.
 *
 * The epoch is a random token, not a counter: "bumping" it sets a new random value. A counter could
 * come back to a value seen before (a restart from a snapshot, a flush followed by increments) and
 * make an old entry, or an in-process copy that outlived the cache's data, look fresh again; a
 * random value cannot. An absent epoch makes nothing fresh; every instance sets one if absent (at
 * start and with each poll).
 */
@Injectable()
export class AccessInvalidator implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AccessInvalidator.name);
  private pollTimer?: NodeJS.Timeout;
  private retryTimer?: NodeJS.Timeout;
  private syncing?: Promise<void>;
  private stopped = false;
  private readonly lease: EpochLease;
  /** Keys to bump after the COMMIT of each open transaction (one afterCommit callback per transaction). */
  private readonly pendingByTransaction = new WeakMap<object, Set<string>>();

  constructor(
    private readonly db: DatabaseService,
    private readonly cache: CacheStore,
    config: AppConfig,
  ) {
    this.lease = new EpochLease(config.CACHE_EPOCH_LEASE_MS, cache.kind !== 'redis');
    this.cache.onReconnect(() => void this.onCacheReconnect());
  }

  /** True while this instance may serve cached answers (its epoch confirmation is recent enough). */
  leaseHeld(): boolean {
    return this.lease.held();
  }

  userChanged(userId: string): Promise<void> {
    return this.bump(CacheKeys.userVersion(userId));
  }

  teamChanged(teamId: string): Promise<void> {
    return this.bump(CacheKeys.teamVersion(teamId));
  }

  roleChanged(roleId: string): Promise<void> {
    return this.bump(CacheKeys.roleVersion(roleId));
  }

  productChanged(productId: string): Promise<void> {
    return this.bump(CacheKeys.productVersion(productId));
  }

  /** A product key was revoked: hot-path key verifications remembered in process must be re-checked. */
  productKeysChanged(): Promise<void> {
    return this.bump(CacheKeys.apiKeysVersion());
  }

  /**
   * Confirms the PostgreSQL epoch, applying it to the cache when it advanced (missed bumps), and
   * renews the lease. Throws when the cache (or the database) cannot be reached; resolves once every
   * missed bump recorded before the call is reflected in the cache.
   */
  syncEpoch(): Promise<void> {
    // One sync at a time per instance; concurrent callers share it.
    this.syncing ??= this.doSync().finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  onApplicationBootstrap(): void {
    // The in-process store lives and dies with this process: nothing can be missed.
    if (this.cache.kind !== 'redis') return void this.ensureEpoch().catch(() => undefined);
    void this.syncEpoch().catch(() => undefined); // else retried by the poll
    const pollMs = Math.max(25, Math.floor(this.lease.leaseMs / 4));
    this.pollTimer = setInterval(() => void this.syncEpoch().catch(() => undefined), pollMs);
    this.pollTimer.unref();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearInterval(this.pollTimer);
    clearInterval(this.retryTimer);
  }

  private bump(key: string): Promise<void> {
    const transaction = transactionStorage.getStore();
    if (!transaction) return this.applyBumps([key]);
    const pending = this.pendingByTransaction.get(transaction);
    if (pending) {
      pending.add(key);
      return Promise.resolve();
    }
    const keys = new Set([key]);
    this.pendingByTransaction.set(transaction, keys);
    return this.db.afterCommit(() => this.applyBumps([...keys]));
  }

  /** After COMMIT, before the write returns: the bumps, or one recorded epoch bump and the lease wait. */
  private async applyBumps(keys: string[]): Promise<void> {
    const results = await Promise.allSettled(keys.map((key) => withDeadline(this.cache.incr(key), BUMP_TIMEOUT_MS)));
    if (results.every((r) => r.status === 'fulfilled')) return;
    await this.recordMissedBump(keys);
  }

  private async recordMissedBump(keys: string[]): Promise<void> {
    this.logger.warn(`cache unavailable, version bump of ${keys.join(', ')} recorded as a cache epoch bump`);
    await this.db.execute('UPDATE aventian.cache_epoch SET epoch = epoch + 1');
    this.lease.drop();
    this.startRetrying();
    // Every instance confirms the epoch within its lease: once it has run out, none serves a
    // pre-write answer (each either applied the new epoch to the cache or answers from PostgreSQL).
    await this.lease.outlast();
  }

  private startRetrying(): void {
    if (this.retryTimer || this.stopped) return;
    this.retryTimer = setInterval(() => {
      this.syncEpoch().then(
        () => {
          clearInterval(this.retryTimer);
          this.retryTimer = undefined;
        },
        () => undefined, // still down
      );
    }, EPOCH_RETRY_MS);
    this.retryTimer.unref();
  }

  /** Sets the global epoch to a new random value: every entry and in-process copy made before is stale. */
  private async renewEpoch(): Promise<void> {
    await this.cache.set(CacheKeys.epoch(), newEpoch());
  }

  private async ensureEpoch(): Promise<void> {
    await this.cache.setIfAbsent(CacheKeys.epoch(), newEpoch());
  }

  private async onCacheReconnect(): Promise<void> {
    try {
      await this.renewEpoch();
      await this.syncEpoch();
    } catch {
      this.startRetrying();
    }
  }

  private async doSync(): Promise<void> {
    // The lease counts from before the read: it cannot outlive a write committed before the read.
    const startedAt = performance.now();
    const row = await this.db.queryOne<{ epoch: string }>('SELECT epoch::text AS epoch FROM aventian.cache_epoch');
    const wanted = Number(row?.epoch ?? 0);
    await this.ensureEpoch();
    for (let attempt = 0; attempt < 5; attempt++) {
      const applied = await this.cache.get(CacheKeys.dbEpoch());
      if (Number(applied ?? 0) >= wanted) return this.lease.confirmed(startedAt);
      // Bump first, then record it as applied: a crash in between costs one more bump, never a miss.
      await this.renewEpoch();
      if (await this.cache.compareAndSet(CacheKeys.dbEpoch(), applied, String(wanted))) {
        this.logger.log(`cache epoch advanced after missed invalidations (database epoch ${wanted})`);
        return this.lease.confirmed(startedAt);
      }
    }
    throw new Error('cache epoch not applied (concurrent updates)');
  }
}

/** `promise`, or a rejection once `ms` passed without an answer (the promise may still settle later). */
function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

function newEpoch(): string {
  return randomBytes(12).toString('base64url');
}
