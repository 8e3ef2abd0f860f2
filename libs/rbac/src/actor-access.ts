import { Injectable } from '@nestjs/common';
import { AuthPrincipal, Errors, TeamAccess, TeamAccessChecker } from '@avn/common';
import { TEAM_OWNER } from './roles.repository';
import { RbacTeamAccessChecker } from './team-access.checker';

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
  constructor(
    private readonly checker: TeamAccessChecker,
    private readonly fresh: RbacTeamAccessChecker,
  ) {}

  async resolve(principal: AuthPrincipal | undefined, teamId: string): Promise<Actor> {
    if (!principal || principal.kind !== 'user') throw Errors.unauthenticated();
    const platformAdmin = principal.platformAdmin ?? (await this.checker.isPlatformAdmin(principal.userId));
    if (platformAdmin) return { userId: principal.userId, unrestricted: true, owner: true, privileges: new Set() };
    return actorOf(principal.userId, await this.checker.teamAccess(principal.userId, teamId));
  }

  /**
   * The actor as of now, for a write that holds the team's row lock: the guard's check ran before the
   * lock, and a concurrent change (a removed owner, a revoked role) may have taken the right away
   * meanwhile. Read after the lock, it is the access of a serial order: 404 if no longer a member,
   * 403 without `privilege`. System actors are trusted as they are.
   */
  async reconfirm(actor: Actor, teamId: string, privilege: string): Promise<Actor> {
    if (actor.userId === null) return actor;
    if (await this.fresh.loadPlatformAdmin(actor.userId)) return { ...actor, unrestricted: true, owner: true };
    const now = actorOf(actor.userId, await this.fresh.loadTeamAccess(actor.userId, teamId));
    if (!now.unrestricted && !now.privileges.has(privilege)) throw Errors.forbidden();
    return now;
  }
}

function actorOf(userId: string, access: TeamAccess): Actor {
  if (!access.member) throw Errors.notFound('Team');
  if (access.privileges === 'all') return { userId, unrestricted: true, owner: true, privileges: new Set() };
  return { userId, unrestricted: false, owner: false, privileges: access.privileges };
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
