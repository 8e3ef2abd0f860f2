import { Injectable, Logger } from '@nestjs/common';
import { CacheKeys, CacheStore } from '@avn/cache';
import { DatabaseService } from '@avn/database';

/**
 * What every write that can change a user's teams, roles or privileges calls (grant, revoke, role
 * privilege change, membership removal, team deletion, subscription change, user disable...).
 *
 * Cached GetUserDetails entries record the versions they were built from; bumping a version makes
 * every entry built from it stale without touching them one by one (a role held by 10,000 users is
 * one INCR). Call these INSIDE the write's transaction: the bump is deferred until after COMMIT, so
 * a reader can never cache pre-commit data under the new version, and it is done before the write
 * returns to its caller.
 */
@Injectable()
export class AccessInvalidator {
  private readonly logger = new Logger(AccessInvalidator.name);
  private epochBumpPending = false;

  constructor(
    private readonly db: DatabaseService,
    private readonly cache: CacheStore,
  ) {
    // Writes that could not bump their version while the cache was down: distrust everything cached
    // before the outage once it is back.
    this.cache.onReconnect(() => void this.flushPendingEpoch());
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

  private bump(key: string): Promise<void> {
    return this.db.afterCommit(async () => {
      try {
        await this.cache.incr(key);
      } catch (error) {
        this.epochBumpPending = true;
        this.logger.warn(`cache unavailable, version bump of ${key} deferred to an epoch bump`);
      }
    });
  }

  private async flushPendingEpoch(): Promise<void> {
    if (!this.epochBumpPending) return;
    try {
      await this.cache.incr(CacheKeys.epoch());
      this.epochBumpPending = false;
    } catch {
      // still down; the next reconnect retries
    }
  }
}
