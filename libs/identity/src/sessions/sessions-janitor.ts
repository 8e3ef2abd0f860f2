import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DatabaseService } from '@avn/database';

const INTERVAL_MS = 60 * 60 * 1000;
const BATCH = 5000;

/**
 * Deletes dead sessions (expired, or revoked more than a day ago) and expired rotated refresh
 * tokens, hourly and in batches, so the tables stay the size of the live population. Deleting is
 * always safe: an access token whose session row is gone fails the liveness check.
 */
@Injectable()
export class SessionsJanitor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SessionsJanitor.name);
  private timer?: NodeJS.Timeout;

  constructor(private readonly db: DatabaseService) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(
      () => void this.sweep().catch((e: unknown) => this.logger.warn(`session sweep failed: ${String(e)}`)),
      INTERVAL_MS,
    );
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Returns how many sessions and refresh tokens were deleted. */
  async sweep(): Promise<{ sessions: number; refreshTokens: number }> {
    let sessions = 0;
    let refreshTokens = 0;
    for (;;) {
      const r = await this.db.execute(
        `DELETE FROM aventian.sessions WHERE id IN (
           SELECT id FROM aventian.sessions
            WHERE expires_at < now() - interval '1 day' OR (status = 'revoked' AND revoked_at < now() - interval '1 day')
            LIMIT ${BATCH})`,
      );
      sessions += r.rowCount;
      if (r.rowCount < BATCH) break;
    }
    for (;;) {
      const r = await this.db.execute(
        `DELETE FROM aventian.refresh_tokens WHERE id IN (
           SELECT id FROM aventian.refresh_tokens WHERE status = 'rotated' AND expires_at < now() LIMIT ${BATCH})`,
      );
      refreshTokens += r.rowCount;
      if (r.rowCount < BATCH) break;
    }
    if (sessions + refreshTokens > 0) this.logger.log(`deleted ${sessions} dead sessions and ${refreshTokens} expired refresh tokens`);
    return { sessions, refreshTokens };
  }
}
