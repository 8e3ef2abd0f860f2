import { Injectable } from '@nestjs/common';
import { TeamAccess, TeamAccessChecker } from '@avn/common';
import { DatabaseService } from '@avn/database';
import { PLATFORM_ADMIN } from './roles.repository';

const NO_ACCESS: TeamAccess = { member: false, privileges: new Set<string>() };

/**
 * What the global AuthGuard asks on every management request. Each answer is one statement
 * outside any transaction: platform admins come from tbl_platform_role_assignments (no RLS), team
 * access from the SECURITY DEFINER function `aventian.rbac_team_access` (migration 0200), which
 * reads membership, roles and privileges of one (user, team) pair. Not cached: a revoke is
 * effective on the next request.
 */
@Injectable()
export class RbacTeamAccessChecker extends TeamAccessChecker {
  constructor(private readonly db: DatabaseService) {
    super();
  }

  async isPlatformAdmin(userId: string): Promise<boolean> {
    const row = await this.db.queryOne(
      `SELECT 1 FROM aventian.tbl_platform_role_assignments a
         JOIN aventian.tbl_roles r ON r.id = a.role_id AND r.team_id IS NULL AND r.code = '${PLATFORM_ADMIN}'
         JOIN aventian.tbl_users u ON u.id = a.user_id AND u.status = 'active'
        WHERE a.user_id = $1`,
      [userId],
    );
    return row !== undefined;
  }

  async teamAccess(userId: string, teamId: string): Promise<TeamAccess> {
    const row = await this.db.queryOne<{ is_owner: boolean; privileges: string[] }>(
      `SELECT is_owner, privileges FROM aventian.rbac_team_access($1::uuid, $2::uuid)`,
      [userId, teamId],
    );
    if (!row) return NO_ACCESS;
    return { member: true, privileges: row.is_owner ? 'all' : new Set(row.privileges) };
  }
}
