import { Injectable } from '@nestjs/common';
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

  constructor(private readonly db: DatabaseService) {}

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

  private readonly flush = (): void => {
    const pending = this.pending;
    this.pending = new Map();
    this.scheduled = false;
    for (const [productId, loads] of pending) {
      for (let i = 0; i < loads.length; i += MAX_USERS_PER_STATEMENT) void this.loadMany(productId, loads.slice(i, i + MAX_USERS_PER_STATEMENT));
    }
  };

  private async loadMany(productId: string, loads: PendingLoad[]): Promise<void> {
    try {
      const userIds = [...new Set(loads.map((l) => l.userId))];
      const rows = await this.db.queryPrepared<{ user_id: string; details: string; team_ids: string[]; role_ids: string[] }>(
        'avn_user_details_many',
        `SELECT u.id AS user_id, d.details, d.team_ids, d.role_ids
           FROM unnest($1::uuid[]) AS u(id) CROSS JOIN LATERAL aventian.user_details(u.id, $2) AS d`,
        [userIds, productId],
      );
      const byUser = new Map(rows.map((r) => [r.user_id, { details: r.details, teamIds: r.team_ids, roleIds: r.role_ids }]));
      for (const load of loads) load.resolve(byUser.get(load.userId));
    } catch (error) {
      for (const load of loads) load.reject(error);
    }
  }
}
