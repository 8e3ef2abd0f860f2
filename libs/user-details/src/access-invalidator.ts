import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { CacheKeys, CacheStore } from '@avn/cache';
import { DatabaseService } from '@avn/database';

/** How often every instance compares the PostgreSQL cache epoch with the one applied in the cache. */
const EPOCH_POLL_MS = 1000;
/** How often an instance that itself missed a bump retries applying it. */
const EPOCH_RETRY_MS = 200;

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
 * Cache outage: a bump that fails is recorded in PostgreSQL instead (`aventian.cache_epoch` + 1, before
 * the write returns). The cache holds the last applied PostgreSQL epoch (`ver:dbepoch`); whoever sees
 * the difference first bumps the global epoch (`ver:epoch`, a dependency of every entry) and so
 * distrusts everything cached before the outage. "Whoever": this instance (retrying every 200 ms),
 * every instance's poll (every second: an instance that never saw the outage still learns of it),
 * and any reader that saw a cache error (it syncs before trusting the cache again, see
 * UserDetailsService). A lost connection also bumps the epoch on reconnect, since the server may
 * have come back from an older snapshot.
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

  constructor(
    private readonly db: DatabaseService,
    private readonly cache: CacheStore,
  ) {
    this.cache.onReconnect(() => void this.onCacheReconnect());
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
   * Applies a PostgreSQL epoch that advanced (missed bumps) to the cache. Throws when the cache (or
   * the database) cannot be reached; resolves once every missed bump up to now is reflected.
   */
  syncEpoch(): Promise<void> {
    // One sync at a time per instance; concurrent callers share it.
    this.syncing ??= this.doSync().finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  onApplicationBootstrap(): void {
    void this.ensureEpoch().catch(() => undefined); // else retried by the poll
    // The in-process store lives and dies with this process: nothing can be missed.
    if (this.cache.kind !== 'redis') return;
    this.pollTimer = setInterval(() => void this.syncEpoch().catch(() => undefined), EPOCH_POLL_MS);
    this.pollTimer.unref();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearInterval(this.pollTimer);
    clearInterval(this.retryTimer);
  }

  private bump(key: string): Promise<void> {
    return this.db.afterCommit(async () => {
      try {
        await this.cache.incr(key);
      } catch {
        await this.recordMissedBump(key);
      }
    });
  }

  private async recordMissedBump(key: string): Promise<void> {
    this.logger.warn(`cache unavailable, version bump of ${key} recorded as a cache epoch bump`);
    // Runs after COMMIT (outside the write's transaction), before the write returns.
    await this.db.execute('UPDATE aventian.cache_epoch SET epoch = epoch + 1');
    this.startRetrying();
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
    const row = await this.db.queryOne<{ epoch: string }>('SELECT epoch::text AS epoch FROM aventian.cache_epoch');
    const wanted = Number(row?.epoch ?? 0);
    await this.ensureEpoch();
    for (let attempt = 0; attempt < 5; attempt++) {
      const applied = await this.cache.get(CacheKeys.dbEpoch());
      if (Number(applied ?? 0) >= wanted) return;
      // Bump first, then record it as applied: a crash in between costs one more bump, never a miss.
      await this.renewEpoch();
      if (await this.cache.compareAndSet(CacheKeys.dbEpoch(), applied, String(wanted))) {
        this.logger.log(`cache epoch advanced after missed invalidations (database epoch ${wanted})`);
        return;
      }
    }
  }
}

function newEpoch(): string {
  return randomBytes(12).toString('base64url');
}
