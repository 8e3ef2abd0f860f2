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
 * Cache misses of GetUserDetails. `aventian.user_details` (migration 0500) is a SECURITY DEFINER
 * function, so a read is one autocommit statement with no platform-scope transaction around it.
 *
 * Misses arriving together are read together: the loads requested during one event-loop turn are
 * sent, per product, as ONE statement over the array of user ids (a named prepared statement), so a
 * burst of misses costs one round trip, one backend wake-up and one executor start instead of one
 * per user. Each caller still gets exactly its own user's row.
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
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flush);
      }
    });
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
    if (this.pending.size > 0 && !this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  };

  private async loadMany(productId: string, loads: PendingLoad[]): Promise<void> {
    try {
      const userIds = [...new Set(loads.map((l) => l.userId))];
      // Id lists as comma-separated text: splitting is cheaper than the driver's array parser.
      const rows = await this.db.queryPrepared<{ user_id: string; details: string; team_ids: string; role_ids: string }>(
        'avn_user_details_many',
        `SELECT u.id AS user_id, d.details, array_to_string(d.team_ids, ',') AS team_ids, array_to_string(d.role_ids, ',') AS role_ids
           FROM unnest($1::uuid[]) AS u(id) CROSS JOIN LATERAL aventian.user_details(u.id, $2) AS d`,
        [userIds, productId],
      );
      const byUser = new Map(rows.map((r) => [r.user_id, { details: r.details, teamIds: idList(r.team_ids), roleIds: idList(r.role_ids) }]));
      for (const load of loads) load.resolve(byUser.get(load.userId));
    } catch (error) {
      for (const load of loads) load.reject(error);
    }
  }
}

function idList(text: string): string[] {
  return text === '' ? [] : text.split(',');
}
