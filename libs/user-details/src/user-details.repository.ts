import { Injectable } from '@nestjs/common';
import { AppConfig } from '@avn/config';
import { DatabaseService } from '@avn/database';

export interface UserDetailsRow {
  /** The response body, JSON text built by PostgreSQL. */
  details: string;
  /** Live teams the user belongs to and roles feeding the answer: the entry's cache dependencies. */
  teamIds: string[];
  roleIds: string[];
}

interface PendingLoad {
  userId: string;
  resolve(row: UserDetailsRow | undefined): void;
  reject(error: unknown): void;
}

/** Misses of one product gathered in one event-loop turn are read by one statement, at most this many users each. */
const MAX_USERS_PER_STATEMENT = 16;

/**
 * Cache misses of GetUserDetails. `aventian.user_details_many` (migration 0502) is a SECURITY DEFINER
 * function, so a read is one autocommit statement with no platform-scope transaction around it.
 *
 * Misses arriving together are read together: the loads requested during one event-loop turn are
 * sent, per product, as ONE set-based statement over the array of user ids (a named prepared
 * statement), so a burst of misses costs one round trip, one backend wake-up and one executor start
 * instead of one per user. Each caller still gets exactly its own user's row.
 */
@Injectable()
export class UserDetailsRepository {
  private pending = new Map<string, PendingLoad[]>();
  private scheduled = false;
  private inFlight = 0;
  /** Statements in flight at most: the rest of the pool stays free for other work. */
  private readonly maxInFlight: number;

  constructor(
    private readonly db: DatabaseService,
    config: AppConfig,
  ) {
    this.maxInFlight = Math.max(1, Math.floor(config.DATABASE_POOL_MAX / 2));
  }

  load(userId: string, productId: string): Promise<UserDetailsRow | undefined> {
    return new Promise((resolve, reject) => {
      let loads = this.pending.get(productId);
      if (!loads) this.pending.set(productId, (loads = []));
      loads.push({ userId, resolve, reject });
      this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.flush);
  }

  /**
   * Sends pending loads while fewer than `maxInFlight` statements run; the rest waits for the next
   * completion, so under load the statements grow (up to MAX_USERS_PER_STATEMENT users) instead of
   * queueing many small ones for the same connections.
   */
  private readonly flush = (): void => {
    this.scheduled = false;
    // Round robin over products (the map's order): one statement each, the served product moves last.
    while (this.inFlight < this.maxInFlight && this.pending.size > 0) {
      const [productId, loads] = this.pending.entries().next().value!;
      this.pending.delete(productId);
      this.inFlight++;
      void this.loadMany(productId, loads.splice(0, MAX_USERS_PER_STATEMENT)).finally(this.completed);
      if (loads.length > 0) this.pending.set(productId, loads);
    }
  };

  private readonly completed = (): void => {
    this.inFlight--;
    if (this.pending.size > 0) this.scheduleFlush();
  };

  private async loadMany(productId: string, loads: PendingLoad[]): Promise<void> {
    try {
      const userIds = [...new Set(loads.map((l) => l.userId))];
      const rows = await this.db.queryPrepared<{ user_id: string; details: string; team_ids: string; role_ids: string }>(
        'avn_user_details_many',
        'SELECT user_id, details, team_ids, role_ids FROM aventian.user_details_many($1::uuid[], $2)',
        [userIds, productId],
      );
      const byUser = new Map(
        rows.map((r) => [r.user_id, { details: r.details, teamIds: idList(r.team_ids), roleIds: uniqueIdList(r.role_ids) }]),
      );
      for (const load of loads) load.resolve(byUser.get(load.userId));
    } catch (error) {
      for (const load of loads) load.reject(error);
    }
  }
}

/** Id lists come as comma-separated text: splitting is cheaper than the driver's array parser. */
function idList(text: string): string[] {
  return text === '' ? [] : text.split(',');
}

/** A role without a team held in several teams is listed once per team. */
function uniqueIdList(text: string): string[] {
  const ids = idList(text);
  return ids.length < 2 ? ids : [...new Set(ids)];
}
