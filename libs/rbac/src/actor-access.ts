import { Injectable } from '@nestjs/common';
import { Errors, holdsPrivilege, TeamPowers } from '@avn/common';
import type { UserActor } from '@avn/common';
import { TEAM_OWNER } from './roles.repository';
import { RbacUserAccessReader } from './user-access.reader';

/**
 * The privilege-escalation rules, on the powers the AuthGuard resolved for the route's team
 * (`teamPowers(actor, teamId)` from @avn/common): nobody hands out (or takes away) what they do
 * not hold themselves.
 */
export function assertMayManageRole(powers: TeamPowers, role: { code: string; team_id: string | null }, rolePrivileges: string[]): void {
  if (powers.unrestricted) return;
  if (role.team_id === null && role.code === TEAM_OWNER) {
    throw Errors.forbidden('Only a team owner or a platform admin can grant or revoke team_owner');
  }
  const missing = rolePrivileges.filter((p) => !powers.privileges.has(p));
  if (missing.length > 0) throw Errors.forbidden(`You cannot manage a role with privileges you do not hold: ${missing.join(', ')}`);
}

export function assertMayUsePrivileges(powers: TeamPowers, codes: string[]): void {
  if (powers.unrestricted) return;
  const missing = codes.filter((p) => !powers.privileges.has(p));
  if (missing.length > 0) throw Errors.forbidden(`You cannot give privileges you do not hold: ${missing.join(', ')}`);
}

/**
 * The one deliberate re-read: a write that changes who holds power in a team (role grants and
 * revokes, member removal) re-reads the actor's access AFTER taking the team's row lock. The guard
 * decided before the lock, and a concurrent change (two owners removing each other) may have taken
 * the right away meanwhile; read under the lock, the access is that of a serial order. Not a second
 * opinion on the request: the same read the guard makes, repeated inside the locked transaction.
 */
@Injectable()
export class LockedAccessCheck {
  constructor(private readonly reader: RbacUserAccessReader) {}

  /** The actor as of now (call with the team row locked): 404 if no longer a member, 403 without `privilege`. */
  async reconfirm(actor: UserActor, teamId: string, privilege: string): Promise<UserActor> {
    const access = await this.reader.read(actor.userId, teamId);
    const now: UserActor = { ...actor, platformAdmin: access.platformAdmin, team: access.team };
    if (!now.team) delete now.team;
    if (now.platformAdmin) return now;
    if (!now.team) throw Errors.notFound('Team');
    if (!holdsPrivilege(now, privilege)) throw Errors.forbidden();
    return now;
  }
}
