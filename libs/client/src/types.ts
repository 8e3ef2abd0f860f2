/** GetUserDetails answer (GET /v1/users/:userId/details), see the API contract. */
export interface UserDetails {
  user: { id: string; email: string; displayName: string; status: 'active' | 'disabled' };
  /** Code of the calling product. */
  product: string;
  /** Teams the user belongs to that hold an active subscription to the calling product. */
  teams: TeamAccess[];
}

export interface TeamAccess {
  teamId: string;
  teamName: string;
  subscription: { plan: string; status: string };
  roles: Array<{ code: string; name: string; system: boolean }>;
  /** The calling product's privileges only, sorted. */
  privileges: string[];
}

export interface DbConnection {
  teamId: string;
  productCode: string;
  connectionString: string;
}

/** Claims of a verified user access token. */
export interface VerifiedUser {
  userId: string;
  /** Active team (`team` claim); absent when the user has not picked one. */
  teamId?: string;
  sessionId?: string;
  claims: Record<string, unknown>;
}

/** What the guard / middleware attach to an authorised request. */
export interface AuthorizedUser extends VerifiedUser {
  teamId: string;
  team: TeamAccess;
  details: UserDetails;
}
