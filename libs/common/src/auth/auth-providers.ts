import type { TeamMembership } from './actor';
import type { ProductPrincipal, UserPrincipal } from './auth-principal';

/**
 * Ports of the global AuthGuard: common defines them, the identity, products and RBAC libraries
 * implement them, and the API's composition root binds the two (so the guard imports no feature
 * library). All three are injected: a missing binding stops the application at start-up.
 */
export abstract class AccessTokenVerifier {
  /** Verified principal, or null for a bad/expired/revoked token (the guard answers 401). */
  abstract verify(token: string): Promise<UserPrincipal | null>;
}

export abstract class ProductKeyVerifier {
  /** Verified principal, or null for an unknown or revoked key (401). Must not be cached past a revoke. */
  abstract verify(key: string): Promise<ProductPrincipal | null>;
}

/** What the guard learns about a signed-in user in one read. */
export interface UserAccess {
  platformAdmin: boolean;
  /** Membership of the asked team; absent for non-members and for deleted teams. */
  team?: TeamMembership;
}

export abstract class UserAccessReader {
  /**
   * The platform-admin flag and, when `teamId` is given, membership (with privileges) in that
   * active team. Never cached across requests: a revoke is effective on the next request.
   */
  abstract read(userId: string, teamId?: string): Promise<UserAccess>;
}
