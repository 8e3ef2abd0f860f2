import { Injectable } from '@nestjs/common';
import { AuthPrincipal, Errors, TeamAccessChecker } from '@avn/common';
import { TEAM_OWNER } from './roles.repository';

/** Who is acting on a team and what they hold there (for the privilege-escalation guard). */
export interface Actor {
  userId: string | null;
  /** Platform admin or team_owner: may grant anything in the team. */
  unrestricted: boolean;
  owner: boolean;
  privileges: ReadonlySet<string>;
}

/** A trusted internal caller (no request principal): jobs, invitation acceptance. */
export const SYSTEM_ACTOR: Actor = { userId: null, unrestricted: true, owner: true, privileges: new Set() };

@Injectable()
export class ActorAccessResolver {
  constructor(private readonly checker: TeamAccessChecker) {}

  async resolve(principal: AuthPrincipal | undefined, teamId: string): Promise<Actor> {
    if (!principal || principal.kind !== 'user') throw Errors.unauthenticated();
    const platformAdmin = principal.platformAdmin ?? (await this.checker.isPlatformAdmin(principal.userId));
    if (platformAdmin) return { userId: principal.userId, unrestricted: true, owner: true, privileges: new Set() };
    const access = await this.checker.teamAccess(principal.userId, teamId);
    if (!access.member) throw Errors.notFound('Team');
    if (access.privileges === 'all') return { userId: principal.userId, unrestricted: true, owner: true, privileges: new Set() };
    return { userId: principal.userId, unrestricted: false, owner: false, privileges: access.privileges };
  }
}

/** Refuses to let an actor hand out (or take away) powers they do not hold themselves. */
export function assertMayManageRole(actor: Actor, role: { code: string; team_id: string | null }, rolePrivileges: string[]): void {
  if (actor.unrestricted) return;
  if (role.team_id === null && role.code === TEAM_OWNER) {
    throw Errors.forbidden('Only a team owner or a platform admin can grant or revoke team_owner');
  }
  const missing = rolePrivileges.filter((p) => !actor.privileges.has(p));
  if (missing.length > 0) throw Errors.forbidden(`You cannot manage a role with privileges you do not hold: ${missing.join(', ')}`);
}

export function assertMayUsePrivileges(actor: Actor, codes: string[]): void {
  if (actor.unrestricted) return;
  const missing = codes.filter((p) => !actor.privileges.has(p));
  if (missing.length > 0) throw Errors.forbidden(`You cannot give privileges you do not hold: ${missing.join(', ')}`);
}
