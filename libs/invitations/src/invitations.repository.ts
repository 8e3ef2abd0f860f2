import { Injectable } from '@nestjs/common';
import { DatabaseService } from '@avn/database';

export type InvitationStatus = 'pending' | 'accepted' | 'revoked' | 'expired';

export interface InvitationRow {
  id: string;
  team_id: string;
  email: string;
  email_normalized: string;
  role_codes: string[];
  status: InvitationStatus;
  expires_at: Date;
  invited_by: string | null;
  accepted_by: string | null;
  accepted_at: Date | null;
  revoked_at: Date | null;
  created_at: Date;
}

const COLUMNS = `id, team_id, email, email_normalized, role_codes, status, expires_at, invited_by,
  accepted_by, accepted_at, revoked_at, created_at`;

/**
 * SQL for aventian.tbl_invitations (team-scoped, RLS). Every method but `findTeamByTokenHash`
 * takes the team first, filters by it and runs in that team's scope.
 */
@Injectable()
export class InvitationsRepository {
  constructor(private readonly db: DatabaseService) {}

  insert(
    teamId: string,
    row: {
      id: string;
      email: string;
      emailNormalized: string;
      roleCodes: string[];
      tokenHash: Buffer;
      expiresAt: Date;
      invitedBy: string | null;
    },
  ): Promise<InvitationRow | undefined> {
    return this.db.inTeam(teamId, () =>
      this.db.queryOne<InvitationRow>(
        `INSERT INTO aventian.tbl_invitations (id, team_id, email, email_normalized, role_codes, token_hash, expires_at, invited_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (team_id, email_normalized) WHERE status = 'pending' DO NOTHING
         RETURNING ${COLUMNS}`,
        [row.id, teamId, row.email, row.emailNormalized, row.roleCodes, row.tokenHash, row.expiresAt, row.invitedBy],
      ),
    );
  }

  /** Closes the team's lapsed open invitation for this address so a new one can be made. */
  async closeExpired(teamId: string, emailNormalized: string): Promise<void> {
    await this.db.inTeam(teamId, () =>
      this.db.query(
        `UPDATE aventian.tbl_invitations SET status = 'expired'
          WHERE team_id = $1 AND email_normalized = $2 AND status = 'pending' AND expires_at <= now()`,
        [teamId, emailNormalized],
      ),
    );
  }

  list(teamId: string, options: { beforeId?: string; limit: number }): Promise<InvitationRow[]> {
    return this.db.inTeam(teamId, () =>
      this.db.query<InvitationRow>(
        `SELECT ${COLUMNS} FROM aventian.tbl_invitations
          WHERE team_id = $1 AND ($2::uuid IS NULL OR id < $2::uuid)
          ORDER BY id DESC LIMIT $3`,
        [teamId, options.beforeId ?? null, options.limit],
      ),
    );
  }

  findById(teamId: string, id: string, options: { forUpdate?: boolean } = {}): Promise<InvitationRow | undefined> {
    return this.db.inTeam(teamId, () =>
      this.db.queryOne<InvitationRow>(
        `SELECT ${COLUMNS} FROM aventian.tbl_invitations WHERE team_id = $1 AND id = $2${options.forUpdate ? ' FOR UPDATE' : ''}`,
        [teamId, id],
      ),
    );
  }

  /**
   * The one cross-team lookup: the token is the capability, so it is resolved in platform scope
   * before anything is known about the team. Returns only where the invitation lives.
   */
  findTeamByTokenHash(tokenHash: Buffer): Promise<{ id: string; team_id: string } | undefined> {
    return this.db.asPlatform(() =>
      this.db.queryOne<{ id: string; team_id: string }>(`SELECT id, team_id FROM aventian.tbl_invitations WHERE token_hash = $1`, [
        tokenHash,
      ]),
    );
  }

  revoke(teamId: string, id: string, revokedBy: string | null): Promise<InvitationRow | undefined> {
    return this.db.inTeam(teamId, () =>
      this.db.queryOne<InvitationRow>(
        `UPDATE aventian.tbl_invitations SET status = 'revoked', revoked_by = $3, revoked_at = now()
          WHERE team_id = $1 AND id = $2 AND status = 'pending' RETURNING ${COLUMNS}`,
        [teamId, id, revokedBy],
      ),
    );
  }

  async markAccepted(teamId: string, id: string, userId: string): Promise<void> {
    await this.db.inTeam(teamId, () =>
      this.db.query(
        `UPDATE aventian.tbl_invitations SET status = 'accepted', accepted_by = $3, accepted_at = now()
          WHERE team_id = $1 AND id = $2 AND status = 'pending'`,
        [teamId, id, userId],
      ),
    );
  }

  /** Role code -> (team role or assignable system role) with the privileges it grants. */
  findAssignableRoles(teamId: string, codes: string[]): Promise<Array<{ code: string; system: boolean; privileges: string[] }>> {
    return this.db.inTeam(teamId, () =>
      this.db.query<{ code: string; system: boolean; privileges: string[] }>(
        `SELECT r.code, (r.team_id IS NULL) AS system,
                coalesce(array_agg(p.code) FILTER (WHERE p.code IS NOT NULL), '{}'::text[]) AS privileges
           FROM aventian.tbl_roles r
           LEFT JOIN aventian.tbl_role_privileges rp ON rp.role_id = r.id
           LEFT JOIN aventian.tbl_privileges p ON p.id = rp.privilege_id
          WHERE r.code = ANY($2::text[])
            AND (r.team_id = $1 OR (r.team_id IS NULL AND r.code <> 'platform_admin'))
          GROUP BY r.id, r.code, r.team_id`,
        [teamId, codes],
      ),
    );
  }

  teamName(teamId: string): Promise<string | undefined> {
    return this.db.inTeam(
      teamId,
      async () =>
        (await this.db.queryOne<{ name: string }>(`SELECT name FROM aventian.tbl_teams WHERE id = $1 AND status = 'active'`, [teamId]))
          ?.name,
    );
  }
}
