import { Injectable } from '@nestjs/common';
import { DatabaseService } from '@avn/database';

export interface TeamRow {
  id: string;
  name: string;
  status: 'active' | 'deleted';
  created_at: Date;
  updated_at: Date;
}

const TEAM_COLUMNS = 't.id, t.name, t.status, t.created_at, t.updated_at';

/**
 * tbl_teams. Team-scoped methods take `teamId` first, filter by it and run in that team's RLS scope
 * (joining the caller's transaction when there is one).
 */
@Injectable()
export class TeamsRepository {
  constructor(private readonly db: DatabaseService) {}

  insert(teamId: string, name: string, createdBy: string | null): Promise<void> {
    return this.db.inTeam(teamId, async () => {
      await this.db.query(`INSERT INTO aventian.tbl_teams (id, name, created_by) VALUES ($1, $2, $3)`, [teamId, name, createdBy]);
    });
  }

  findActive(teamId: string): Promise<TeamRow | undefined> {
    return this.db.inTeam(teamId, () =>
      this.db.queryOne<TeamRow>(`SELECT ${TEAM_COLUMNS} FROM aventian.tbl_teams t WHERE t.id = $1 AND t.status = 'active'`, [teamId]),
    );
  }

  /** Locks the team row: serialises every change that could leave the team without an owner. */
  lockActive(teamId: string): Promise<TeamRow | undefined> {
    return this.db.inTeam(teamId, () =>
      this.db.queryOne<TeamRow>(`SELECT ${TEAM_COLUMNS} FROM aventian.tbl_teams t WHERE t.id = $1 AND t.status = 'active' FOR UPDATE`, [
        teamId,
      ]),
    );
  }

  rename(teamId: string, name: string): Promise<TeamRow | undefined> {
    return this.db.inTeam(teamId, () =>
      this.db.queryOne<TeamRow>(
        `UPDATE aventian.tbl_teams t SET name = $2 WHERE t.id = $1 AND t.status = 'active' RETURNING ${TEAM_COLUMNS}`,
        [teamId, name],
      ),
    );
  }

  softDelete(teamId: string): Promise<boolean> {
    return this.db.inTeam(teamId, async () => {
      const res = await this.db.execute(
        `UPDATE aventian.tbl_teams SET status = 'deleted', deleted_at = now() WHERE id = $1 AND status = 'active'`,
        [teamId],
      );
      return res.rowCount > 0;
    });
  }

  /** Ends every live subscription of the team; returns the products concerned. */
  cancelSubscriptions(teamId: string): Promise<string[]> {
    return this.db.inTeam(teamId, async () => {
      const rows = await this.db.query<{ product_id: string }>(
        `UPDATE aventian.tbl_team_product_assoc SET status = 'canceled', canceled_at = now()
          WHERE team_id = $1 AND status <> 'canceled' RETURNING product_id`,
        [teamId],
      );
      return rows.map((r) => r.product_id);
    });
  }

  /** Active teams the user belongs to, keyset-paginated by team id (user RLS scope). */
  listOfUser(userId: string, afterId: string | undefined, limit: number): Promise<TeamRow[]> {
    return this.db.transaction(
      () =>
        this.db.query<TeamRow>(
          `SELECT ${TEAM_COLUMNS}
             FROM aventian.tbl_team_members m
             JOIN aventian.tbl_teams t ON t.id = m.team_id AND t.status = 'active'
            WHERE m.user_id = $1 AND ($2::uuid IS NULL OR m.team_id > $2::uuid)
            ORDER BY m.team_id
            LIMIT $3`,
          [userId, afterId ?? null, limit],
        ),
      { userId },
    );
  }

  /** Every active team (platform admins only; platform scope). */
  listAll(afterId: string | undefined, limit: number): Promise<TeamRow[]> {
    return this.db.asPlatform(() =>
      this.db.query<TeamRow>(
        `SELECT ${TEAM_COLUMNS} FROM aventian.tbl_teams t
          WHERE t.status = 'active' AND ($1::uuid IS NULL OR t.id > $1::uuid)
          ORDER BY t.id LIMIT $2`,
        [afterId ?? null, limit],
      ),
    );
  }
}
