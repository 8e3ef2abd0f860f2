import { AventianClient, AventianClientOptions } from './client';
import { AccessDeniedError, AventianApiError } from './errors';
import { AccessTokenVerifier, TokenVerifierOptions } from './tokens';
import type { AuthorizedUser } from './types';

export type AventianAuthOptions = AventianClientOptions & Omit<TokenVerifierOptions, 'baseUrl'>;

/**
 * The check behind the guard and the middleware: verify the user's access token (JWKS), then ask
 * GetUserDetails for the user in the token's active team and require the privilege there.
 */
export class AventianAuthorizer {
  readonly client: AventianClient;
  readonly tokens: AccessTokenVerifier;

  constructor(options: AventianAuthOptions) {
    this.client = new AventianClient(options);
    this.tokens = new AccessTokenVerifier(options);
  }

  /** Resolves the authorised user, or throws AccessDeniedError (401/403). */
  async authorize(authorization: string | string[] | undefined, privilege?: string): Promise<AuthorizedUser> {
    const header = Array.isArray(authorization) ? authorization[0] : authorization;
    const token = header ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
    if (!token) throw new AccessDeniedError(401, 'UNAUTHENTICATED', 'Bearer access token required');
    const user = await this.tokens.verify(token);
    if (!user) throw new AccessDeniedError(401, 'UNAUTHENTICATED', 'Invalid or expired access token');
    if (!user.teamId) throw new AccessDeniedError(403, 'FORBIDDEN', 'No active team in the access token');

    let details;
    try {
      details = await this.client.getUserDetails(user.userId, { teamId: user.teamId });
    } catch (error) {
      if (error instanceof AventianApiError && error.status === 404) throw new AccessDeniedError(401, 'UNAUTHENTICATED', 'Unknown user');
      throw error; // control plane unreachable or misconfigured key: let the app answer 5xx
    }
    const team = details.teams.find((t) => t.teamId === user.teamId);
    if (!team) throw new AccessDeniedError(403, 'FORBIDDEN', 'No access to this product in the active team');
    if (privilege && !team.privileges.includes(privilege)) {
      throw new AccessDeniedError(403, 'FORBIDDEN', `Missing privilege ${privilege}`);
    }
    return { ...user, teamId: user.teamId, team, details };
  }
}
