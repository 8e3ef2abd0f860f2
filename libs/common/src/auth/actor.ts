import { Errors } from '../errors/domain-error';
import type { ProductPrincipal, UserPrincipal } from './auth-principal';

/** What a user holds in the team a route names (resolved by the AuthGuard, see docs/architecture.md). */
export interface TeamMembership {
  teamId: string;
  /** team_owner: holds every privilege of the team and may grant team_owner. */
  owner: boolean;
  /** Privilege codes held through the member's roles (owners hold all, listed or not). */
  privileges: ReadonlySet<string>;
}

/** A signed-in user, with what the request may rely on about their authority. */
export interface UserActor extends UserPrincipal {
  /** Holds platform_admin (always resolved for a signed-in user). */
  platformAdmin: boolean;
  /**
   * Membership in the team the route names (`@Authenticated({ privilege })`), when the user is a
   * member of that active team; absent otherwise (a platform admin passes without being a member).
   */
  team?: TeamMembership;
}

/** A product backend calling with its key. */
export type ProductActor = ProductPrincipal;

/**
 * Who is calling, decided once per request by the global AuthGuard and attached to the request
 * (read it with `@CurrentActor()` / `@CurrentUser()` / `@CurrentProduct()`). Services take it as an
 * argument; nothing asks the database the same question again.
 */
export type Actor = UserActor | ProductActor;

/** What an actor may do inside one team, for the privilege-escalation rules. */
export interface TeamPowers {
  /** Platform admin or team owner: may hand out anything in the team. */
  unrestricted: boolean;
  privileges: ReadonlySet<string>;
}

const NONE: ReadonlySet<string> = new Set();

/**
 * The actor's powers in `teamId`. The guard resolved them for the route's team; asking for another
 * team is a programming error and is refused (403) rather than answered from nothing.
 */
export function teamPowers(actor: UserActor, teamId: string): TeamPowers {
  if (actor.platformAdmin) return { unrestricted: true, privileges: NONE };
  if (!actor.team || actor.team.teamId !== teamId.toLowerCase()) throw Errors.forbidden();
  return { unrestricted: actor.team.owner, privileges: actor.team.privileges };
}

/** True when the actor holds `privilege` in the route's team (owners and platform admins hold all). */
export function holdsPrivilege(actor: UserActor, privilege: string): boolean {
  if (actor.platformAdmin) return true;
  return !!actor.team && (actor.team.owner || actor.team.privileges.has(privilege));
}
