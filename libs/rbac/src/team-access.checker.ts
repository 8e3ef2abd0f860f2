import { Injectable } from '@nestjs/common';
import { RequestContext, RequestContextData, TeamAccess, TeamAccessChecker } from '@avn/common';
import { DatabaseService } from '@avn/database';
import { PLATFORM_ADMIN } from './roles.repository';

const NO_ACCESS: TeamAccess = { member: false, privileges: new Set<string>() };

/**
 * Answers already computed for the current request: the guard asks first, then a write's
 * escalation check asks the same question; the second ask costs no round trip. Scoped to one
 * request (weakly keyed on its context), so a change is seen by the next request.
 */
const perRequest = new WeakMap<RequestContextData, Map<string, Promise<boolean | TeamAccess>>>();

function memo<T extends boolean | TeamAccess>(key: string, load: () => Promise<T>): Promise<T> {
  const ctx = RequestContext.current();
  if (!ctx) return load();
  let answers = perRequest.get(ctx);
  if (!answers) perRequest.set(ctx, (answers = new Map()));
  let answer = answers.get(key);
  if (!answer) {
    answer = load();
    answers.set(key, answer);
    answer.catch(() => answers!.delete(key));
  }
  return answer as Promise<T>;
}

/**
 * What the global AuthGuard asks on every management request. Each answer is one statement
 * outside any transaction: platform admins come from tbl_platform_role_assignments (no RLS), team
 * access from the SECURITY DEFINER function `aventian.rbac_team_access` (migration 0200), which
 * reads membership, roles and privileges of one (user, team) pair. Never cached across requests:
 * a revoke is effective on the next request.
 */
@Injectable()
export class RbacTeamAccessChecker extends TeamAccessChecker {
  constructor(private readonly db: DatabaseService) {
    super();
  }

  isPlatformAdmin(userId: string): Promise<boolean> {
    return memo(`pa:${userId}`, () => this.loadPlatformAdmin(userId));
  }

  teamAccess(userId: string, teamId: string): Promise<TeamAccess> {
    return memo(`ta:${userId}:${teamId}`, () => this.loadTeamAccess(userId, teamId));
  }

  /** Read now, not from the request's earlier answers: for re-checks under a lock (see ActorAccessResolver.reconfirm). */
  async loadPlatformAdmin(userId: string): Promise<boolean> {
    const row = await this.db.queryOne(
      `SELECT 1 FROM aventian.tbl_platform_role_assignments a
         JOIN aventian.tbl_roles r ON r.id = a.role_id AND r.team_id IS NULL AND r.code = '${PLATFORM_ADMIN}'
         JOIN aventian.tbl_users u ON u.id = a.user_id AND u.status = 'active'
        WHERE a.user_id = $1`,
      [userId],
    );
    return row !== undefined;
  }

  async loadTeamAccess(userId: string, teamId: string): Promise<TeamAccess> {
    const row = await this.db.queryOne<{ is_owner: boolean; privileges: string[] }>(
      `SELECT is_owner, privileges FROM aventian.rbac_team_access($1::uuid, $2::uuid)`,
      [userId, teamId],
    );
    if (!row) return NO_ACCESS;
    return { member: true, privileges: row.is_owner ? 'all' : new Set(row.privileges) };
  }
}
