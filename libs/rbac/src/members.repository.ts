import { Injectable } from '@nestjs/common';
import { DatabaseService } from '@avn/database';

export interface MemberRow {
  user_id: string;
  email: string;
  display_name: string;
  roles: string[];
}

export interface TeamOfUserRow {
  id: string;
  name: string;
  roles: string[];
}

/** tbl_team_members. Every method takes `teamId` first (except the user's own view) and runs in its RLS scope. */
@Injectable()
export class MembersRepository {
  constructor(private readonly db: DatabaseService) {}

  /** Idempotent; true when the membership is new. */
  insert(teamId: string, userId: string): Promise<boolean> {
    return this.db.inTeam(teamId, async () => {
      const res = await this.db.execute(
        `INSERT INTO aventian.tbl_team_members (team_id, user_id) VALUES ($1, $2) ON CONFLICT (team_id, user_id) DO NOTHING`,
        [teamId, userId],
      );
      return res.rowCount > 0;
    });
  }

  /** Member of an active team. */
  /** The user exists (any status): a membership may only name a real user. */
  async userExists(userId: string): Promise<boolean> {
    return (await this.db.queryOne(`SELECT 1 FROM aventian.tbl_users WHERE id = $1`, [userId])) !== undefined;
  }

  isMember(teamId: string, userId: string): Promise<boolean> {
    return this.db.inTeam(teamId, async () => {
      const row = await this.db.queryOne(
        `SELECT 1 FROM aventian.tbl_team_members m
           JOIN aventian.tbl_teams t ON t.id = m.team_id AND t.status = 'active'
          WHERE m.team_id = $1 AND m.user_id = $2`,
        [teamId, userId],
      );
      return row !== undefined;
    });
  }

  delete(teamId: string, userId: string): Promise<boolean> {
    return this.db.inTeam(teamId, async () => {
      const res = await this.db.execute(`DELETE FROM aventian.tbl_team_members WHERE team_id = $1 AND user_id = $2`, [teamId, userId]);
      return res.rowCount > 0;
    });
  }

  /**
   * One page of members ordered by user id (keyset: constant cost however deep the page), with
   * each member's role codes gathered per member through the (team_id, user_id) index.
   */
  list(teamId: string, afterUserId: string | undefined, limit: number): Promise<MemberRow[]> {
    return this.db.inTeam(teamId, () => this.db.query<MemberRow>(MEMBERS_PAGE_SQL, [teamId, afterUserId ?? null, limit]));
  }

  /** Active teams of the user with their role codes (user RLS scope: own memberships only). */
  teamsOfUser(userId: string): Promise<TeamOfUserRow[]> {
    return this.db.transaction(
      () =>
        this.db.query<TeamOfUserRow>(
          `SELECT t.id, t.name,
                  coalesce((SELECT array_agg(r.code ORDER BY r.code)
                              FROM aventian.tbl_member_roles mr JOIN aventian.tbl_roles r ON r.id = mr.role_id
                             WHERE mr.team_id = m.team_id AND mr.user_id = m.user_id), '{}') AS roles
             FROM aventian.tbl_team_members m
             JOIN aventian.tbl_teams t ON t.id = m.team_id AND t.status = 'active'
            WHERE m.user_id = $1
            ORDER BY t.name, t.id`,
          [userId],
        ),
      { userId },
    );
  }
}

export const MEMBERS_PAGE_SQL = `
  SELECT p.user_id, u.email, u.display_name, coalesce(rl.roles, '{}') AS roles
    FROM (SELECT m.user_id FROM aventian.tbl_team_members m
           WHERE m.team_id = $1 AND ($2::uuid IS NULL OR m.user_id > $2::uuid)
           ORDER BY m.user_id LIMIT $3) p
    JOIN aventian.tbl_users u ON u.id = p.user_id
    LEFT JOIN LATERAL (
      SELECT array_agg(r.code ORDER BY r.code) AS roles
        FROM aventian.tbl_member_roles mr JOIN aventian.tbl_roles r ON r.id = mr.role_id
       WHERE mr.team_id = $1 AND mr.user_id = p.user_id) rl ON true
   ORDER BY p.user_id`;
