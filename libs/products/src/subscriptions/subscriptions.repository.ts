import { Injectable } from '@nestjs/common';
import { DatabaseService } from '@avn/database';

export interface SubscriptionRow {
  id: string;
  team_id: string;
  product_id: string;
  product_code: string;
  product_name: string;
  plan: string;
  seats: number | null;
  seats_used: number;
  status: 'provisioning' | 'active' | 'failed' | 'canceled';
  failure_reason: string | null;
  has_connection: boolean;
  created_at: Date;
  updated_at: Date;
  canceled_at: Date | null;
}

const SELECT = `
  SELECT s.id, s.team_id, s.product_id, p.code AS product_code, p.name AS product_name, s.plan, s.seats,
         aventian.product_seats_used(s.team_id, s.product_id) AS seats_used,
         s.status, s.failure_reason, s.created_at, s.updated_at, s.canceled_at,
         EXISTS (SELECT 1 FROM aventian.team_db_connections c WHERE c.team_id = s.team_id AND c.product_id = s.product_id) AS has_connection
    FROM aventian.tbl_team_product_assoc s
    JOIN aventian.tbl_master_products p ON p.id = s.product_id`;

/** tbl_team_product_assoc is team-scoped: every method takes teamId first and runs inside a team-scoped transaction. */
@Injectable()
export class SubscriptionsRepository {
  constructor(private readonly db: DatabaseService) {}

  teamIsActive(teamId: string): Promise<{ id: string } | undefined> {
    return this.db.queryOne<{ id: string }>(`SELECT id FROM aventian.tbl_teams WHERE id = $1 AND status = 'active'`, [teamId]);
  }

  async insert(teamId: string, s: { id: string; productId: string; plan: string; seats: number | null; status: string }): Promise<void> {
    await this.db.query(
      `INSERT INTO aventian.tbl_team_product_assoc (id, team_id, product_id, plan, seats, status) VALUES ($1, $2, $3, $4, $5, $6)`,
      [s.id, teamId, s.productId, s.plan, s.seats, s.status],
    );
  }

  list(teamId: string): Promise<SubscriptionRow[]> {
    return this.db.query<SubscriptionRow>(`${SELECT} WHERE s.team_id = $1 ORDER BY s.created_at DESC, s.id DESC`, [teamId]);
  }

  /** The live (not canceled) subscription of the team to a product; FOR UPDATE locks it for the caller's transaction. */
  findLive(teamId: string, productCode: string, forUpdate = false): Promise<SubscriptionRow | undefined> {
    return this.db.queryOne<SubscriptionRow>(
      `${SELECT} WHERE s.team_id = $1 AND p.code = $2 AND s.status <> 'canceled'${forUpdate ? ' FOR UPDATE OF s' : ''}`,
      [teamId, productCode],
    );
  }

  findById(teamId: string, id: string, forUpdate = false): Promise<SubscriptionRow | undefined> {
    return this.db.queryOne<SubscriptionRow>(`${SELECT} WHERE s.team_id = $1 AND s.id = $2${forUpdate ? ' FOR UPDATE OF s' : ''}`, [
      teamId,
      id,
    ]);
  }

  async update(
    teamId: string,
    id: string,
    patch: { plan?: string; seats?: number | null; status?: string; failureReason?: string | null; canceled?: boolean },
  ): Promise<void> {
    await this.db.query(
      `UPDATE aventian.tbl_team_product_assoc SET
         plan = coalesce($3, plan),
         seats = CASE WHEN $4::boolean THEN $5::integer ELSE seats END,
         status = coalesce($6, status),
         failure_reason = CASE WHEN $7::boolean THEN $8 ELSE failure_reason END,
         canceled_at = CASE WHEN $9::boolean THEN now() ELSE canceled_at END
       WHERE team_id = $1 AND id = $2`,
      [
        teamId,
        id,
        patch.plan ?? null,
        patch.seats !== undefined,
        patch.seats ?? null,
        patch.status ?? null,
        patch.failureReason !== undefined,
        patch.failureReason ?? null,
        patch.canceled ?? false,
      ],
    );
  }
}
