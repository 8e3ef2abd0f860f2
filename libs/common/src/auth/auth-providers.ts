import type { ProductPrincipal, UserPrincipal } from './auth-principal';

/**
 * The global guard depends on these abstractions only; the identity, products and RBAC modules
 * provide the implementations (as global providers), so the guard never imports those modules.
 */
export abstract class AccessTokenVerifier {
  /** Verified principal, or null for a bad/expired/revoked token (the guard answers 401). */
  abstract verify(token: string): Promise<UserPrincipal | null>;
}

export abstract class ProductKeyVerifier {
  /** Verified principal, or null for an unknown or revoked key (401). Must not be cached past a revoke. */
  abstract verify(key: string): Promise<ProductPrincipal | null>;
}

export interface TeamAccess {
  /** False for non-members and for deleted teams: the guard answers 404. */
  member: boolean;
  /** Privilege codes the user holds in the team; 'all' for team_owner. */
  privileges: ReadonlySet<string> | 'all';
}

export abstract class TeamAccessChecker {
  abstract isPlatformAdmin(userId: string): Promise<boolean>;
  abstract teamAccess(userId: string, teamId: string): Promise<TeamAccess>;
}
