import { Injectable, Optional } from '@nestjs/common';
import { AuthPrincipal, Errors, TeamAccessChecker } from '@avn/common';

/**
 * Who may read which part of the trail: a platform admin everything; anyone else only one team's
 * events and activity, named by `teamId`, when they hold `team.audit:read` there (team owners do
 * implicitly). Not a member → 404 (never reveal other tenants), member without privilege → 403.
 * The route guard checks route params only, and these routes take `teamId` from the query.
 */
@Injectable()
export class AuditAccess {
  constructor(@Optional() private readonly checker?: TeamAccessChecker) {}

  /** Returns the team filter to apply: the given team, or undefined (all teams) for a platform admin. */
  async scopeFor(principal: AuthPrincipal | undefined, teamId: string | undefined): Promise<string | undefined> {
    if (!principal || principal.kind !== 'user') throw Errors.forbidden();
    if (!this.checker) throw Errors.forbidden();
    principal.platformAdmin ??= await this.checker.isPlatformAdmin(principal.userId);
    if (principal.platformAdmin) return teamId;
    if (!teamId)
      throw Errors.validation('teamId is required', [{ field: 'teamId', message: 'teamId is required unless you are a platform admin' }]);
    const access = await this.checker.teamAccess(principal.userId, teamId);
    if (!access.member) throw Errors.notFound('Team');
    if (access.privileges !== 'all' && !access.privileges.has('team.audit:read')) throw Errors.forbidden();
    return teamId;
  }
}
