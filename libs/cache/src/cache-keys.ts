/**
 * Every cache key the control plane uses is built here, so names never drift between writer and
 * reader. The store adds the deployment prefix (CACHE_KEY_PREFIX).
 */
export const CacheKeys = {
  /** GetUserDetails material for one user (issue: strictly consistent cache). */
  userRoles: (userId: string) => `user:roles:${userId}`,
  /** Decrypted-connection cache entry for a team's product subscription. */
  teamDbConnection: (teamId: string, productCode?: string) =>
    productCode ? `team:dbconn:${teamId}:${productCode}` : `team:dbconn:${teamId}`,
  /** Version counters: bumping one invalidates every cached entry built from it. */
  userVersion: (userId: string) => `ver:user:${userId}`,
  teamVersion: (teamId: string) => `ver:team:${teamId}`,
  roleVersion: (roleId: string) => `ver:role:${roleId}`,
  productVersion: (productId: string) => `ver:product:${productId}`,
  /** Global epoch: bumped after a cache outage so nothing cached before it is trusted. */
  epoch: () => 'ver:epoch',
  /** Bumped by every product-key revoke: in-process key verifications made before it are re-checked. */
  apiKeysVersion: () => 'ver:apikeys',
  /** GetUserDetails answer of one user as seen by one product (versioned entry, see CacheStore.readVersioned). */
  userDetails: (userId: string, productId: string) => `user:roles:${userId}:${productId}`,
  /** Last PostgreSQL cache epoch (aventian.cache_epoch) already applied to `epoch` (outage recovery). */
  dbEpoch: () => 'ver:dbepoch',
  /** Brute-force counters. */
  loginFailuresByAccount: (emailHash: string) => `login:fail:acct:${emailHash}`,
  loginFailuresByIp: (ip: string) => `login:fail:ip:${ip}`,
  loginLock: (emailHash: string) => `login:lock:${emailHash}`,
  /** Access-token liveness of a session: 'live:<userId>' or 'revoked' (identity). */
  sessionState: (sessionId: string) => `session:state:${sessionId}`,
  /** Pending OpenID Connect authorization (PKCE verifier, nonce), single use, short TTL. */
  oidcState: (state: string) => `oidc:state:${state}`,
  /** Rate limits. */
  rateLimit: (bucket: string, subject: string) => `rl:${bucket}:${subject}`,
  /** Pub/sub channel names (prefixed like keys). */
  channels: {
    invalidation: 'chan:invalidation',
  },
} as const;
