/** A signed-in human, from a verified access token. */
export interface UserPrincipal {
  kind: 'user';
  userId: string;
  sessionId?: string;
  /** Active team carried by the token (`team` claim). */
  activeTeamId?: string;
}

/** A product backend, from a verified product key. */
export interface ProductPrincipal {
  kind: 'product';
  productId: string;
  productCode: string;
  keyId: string;
}

/** What a verified credential proves (the AuthGuard turns it into an Actor). */
export type AuthPrincipal = UserPrincipal | ProductPrincipal;
