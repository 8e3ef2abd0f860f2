import { Injectable } from '@nestjs/common';
import { DatabaseService } from '@avn/database';
import { PLATFORM_ADMIN } from './roles.repository';

export interface AccessRow {
  platform_admin: boolean;
  /** Null when the user is not a member of that active team (or no team was asked). */
  is_owner: boolean | null;
  privileges: string[] | null;
}

/**
 * The AuthGuard's one read per request. A single statement outside any transaction: platform
 * admins come from tbl_platform_role_assignments (no RLS), team access from the SECURITY DEFINER
 * function `aventian.rbac_team_access` (migration 0200), which reads membership, roles and
 * privileges of one (user, team) pair without a team scope.
 */
@Injectable()
export class AccessRepository {
  constructor(private readonly db: DatabaseService) {}

  async read(userId: string, teamId: string | null): Promise<AccessRow> {
    const row = await this.db.queryOne<AccessRow>(
      `SELECT EXISTS (
                SELECT 1 FROM aventian.tbl_platform_role_assignments a
                  JOIN aventian.tbl_roles r ON r.id = a.role_id AND r.team_id IS NULL AND r.code = '${PLATFORM_ADMIN}'
                  JOIN aventian.tbl_users u ON u.id = a.user_id AND u.status = 'active'
                 WHERE a.user_id = $1::uuid) AS platform_admin,
              ta.is_owner, ta.privileges
         FROM (SELECT 1) AS one
         LEFT JOIN LATERAL aventian.rbac_team_access($1::uuid, $2::uuid) AS ta ON true`,
      [userId, teamId],
    );
    return row ?? { platform_admin: false, is_owner: null, privileges: null };
  }
}
