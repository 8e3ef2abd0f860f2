import { Injectable, Logger } from '@nestjs/common';
import { CacheKeys, CacheStore } from '@avn/cache';
import { AppConfig } from '@avn/config';
import { DatabaseService } from '@avn/database';
import { SessionsRepository } from './sessions.repository';

const LIVE_PREFIX = 'live:';
const REVOKED = 'revoked';
/** A "live" entry is re-confirmed from the database at least this often. */
const LIVE_TTL_SECONDS = 60;

/**
 * Whether a session's access tokens still work, answered from the cache (one GET per request) with
 * the database as the source of truth. A revoke overwrites the entry after COMMIT, before the revoking
 * request returns, so the very next request anywhere is refused. When the cache is down every check
 * goes to the database; revokes that could not reach the cache are re-applied when it reconnects.
 */
@Injectable()
export class SessionState {
  private readonly logger = new Logger(SessionState.name);
  private readonly pendingRevokes = new Set<string>();

  constructor(
    private readonly config: AppConfig,
    private readonly db: DatabaseService,
    private readonly cache: CacheStore,
    private readonly sessions: SessionsRepository,
  ) {
    this.cache.onReconnect(() => void this.flushPending());
  }

  private get revokedTtl(): number {
    // Past this, every access token of the session has expired anyway.
    return this.config.ACCESS_TOKEN_TTL_SECONDS + 60;
  }

  async isLive(sessionId: string, userId: string): Promise<boolean> {
    const key = CacheKeys.sessionState(sessionId);
    let cached: string | null = null;
    let cacheUp = true;
    try {
      cached = await this.cache.get(key);
    } catch {
      cacheUp = false;
    }
    if (cached === REVOKED) return false;
    if (cached !== null && cached.startsWith(LIVE_PREFIX)) return cached === LIVE_PREFIX + userId;

    const row = await this.sessions.liveness(sessionId);
    const live = !!row && row.live && row.user_id === userId;
    if (cacheUp && row) {
      // SET NX: never overwrite a 'revoked' written by a revoke that committed after our read.
      await this.cache
        .setIfAbsent(key, live ? LIVE_PREFIX + row.user_id : REVOKED, live ? LIVE_TTL_SECONDS : this.revokedTtl)
        .catch(() => undefined);
    }
    return live;
  }

  /** Marks a new session live (saves the first request a database read). */
  async markLive(sessionId: string, userId: string): Promise<void> {
    await this.cache.set(CacheKeys.sessionState(sessionId), LIVE_PREFIX + userId, LIVE_TTL_SECONDS).catch(() => undefined);
  }

  /** Call inside the revoking transaction: the cache entries are overwritten right after COMMIT. */
  async revoked(sessionIds: string[]): Promise<void> {
    if (sessionIds.length === 0) return;
    await this.db.afterCommit(() => this.writeRevoked(sessionIds));
  }

  private async writeRevoked(sessionIds: string[]): Promise<void> {
    await Promise.all(
      sessionIds.map(async (id) => {
        try {
          await this.cache.set(CacheKeys.sessionState(id), REVOKED, this.revokedTtl);
          this.pendingRevokes.delete(id);
        } catch {
          // Checks go to the database while the cache is down; re-apply once it is back so a
          // stale 'live' entry from before the outage cannot outlive the revoke.
          this.pendingRevokes.add(id);
          this.logger.warn(`cache unavailable: revoke of session ${id} will be re-applied on reconnect`);
        }
      }),
    );
  }

  private async flushPending(): Promise<void> {
    if (this.pendingRevokes.size === 0) return;
    await this.writeRevoked([...this.pendingRevokes]);
  }
}
