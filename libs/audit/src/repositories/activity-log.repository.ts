import { Injectable } from '@nestjs/common';
import { DatabaseService } from '@avn/database';
import { Cursor, TS_KEY, Where } from './audit-events.queries';

export interface ActivityFilter {
  teamId?: string;
  userEmail?: string;
  productId?: string;
  action?: string;
  from?: Date;
  to?: Date;
}

export interface ActivityRow {
  ts_key: string;
  id: string;
  user_email: string | null;
  team_id: string | null;
  product_id: string | null;
  action: string;
  ts: Date;
  ip: string | null;
}

/** SQL for aventian_audit.activity_log (append, keyset reads, purge through its definer function). */
@Injectable()
export class ActivityLogRepository {
  constructor(private readonly db: DatabaseService) {}

  async insert(row: {
    id: string;
    userId: string | null;
    userEmail: string | null;
    teamId: string | null;
    productId: string | null;
    action: string;
    ip: string | null;
  }): Promise<void> {
    await this.db.query(
      `INSERT INTO aventian_audit.activity_log (id, user_id, user_email, team_id, product_id, action, ip)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [row.id, row.userId, row.userEmail, row.teamId, row.productId, row.action, row.ip],
    );
  }

  page(filter: ActivityFilter, cursor: Cursor | undefined, limit: number): Promise<ActivityRow[]> {
    const w = new Where()
      .add((p) => `team_id = ${p}::uuid`, filter.teamId)
      .add((p) => `lower(user_email) = lower(${p})`, filter.userEmail)
      .add((p) => `product_id = ${p}::uuid`, filter.productId)
      .add((p) => `action = ${p}`, filter.action)
      .add((p) => `ts >= ${p}`, filter.from)
      .add((p) => `ts < ${p}`, filter.to)
      .before(cursor);
    return this.db.query<ActivityRow>(
      `SELECT ${TS_KEY}, id, user_email, team_id, product_id, action, ts, ip FROM aventian_audit.activity_log ${w.sql}
        ORDER BY activity_log.ts DESC, activity_log.id DESC LIMIT ${Math.trunc(limit)}`,
      w.params,
    );
  }

  /** Deletes up to `limit` entries older than `days` (SECURITY DEFINER function); returns how many. */
  async purgeOlderThan(days: number, limit: number): Promise<number> {
    const r = await this.db.queryOne<{ n: string }>(`SELECT aventian_audit.purge_activity_log($1, $2) AS n`, [days, limit]);
    return Number(r?.n ?? 0);
  }
}
