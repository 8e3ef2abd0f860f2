import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SessionsRepository } from './sessions.repository';

const INTERVAL_MS = 60 * 60 * 1000;
const BATCH = 5000;
/** Ended sessions are kept this long (a revoked session's row explains a 401 for a day), then deleted. */
const GRACE_DAYS = 1;

/**
 * The one owner of session cleanup (retention does not touch sessions): deletes ended sessions
 * (expired, or revoked more than a day ago) and expired rotated refresh tokens, hourly in the API
 * and on `npm run cli -- retention-run`, in batches, so the tables stay the size of the live
 * population. Deleting is always safe: an access token whose session row is gone fails the
 * liveness check, and a session's refresh tokens go with it (ON DELETE CASCADE).
 */
@Injectable()
export class SessionsJanitor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SessionsJanitor.name);
  private timer?: NodeJS.Timeout;

  constructor(private readonly sessions: SessionsRepository) {}

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
    const sessions = await drain(() => this.sessions.deleteEnded(GRACE_DAYS, BATCH));
    const refreshTokens = await drain(() => this.sessions.deleteExpiredRotatedTokens(BATCH));
    if (sessions + refreshTokens > 0) this.logger.log(`deleted ${sessions} dead sessions and ${refreshTokens} expired refresh tokens`);
    return { sessions, refreshTokens };
  }
}

/** Runs a batched delete until a batch comes back short; returns the total. */
async function drain(batch: () => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await batch();
    total += n;
    if (n < BATCH) return total;
  }
}
