import { Injectable } from '@nestjs/common';
import { AccessTokenVerifier, UserPrincipal } from '@avn/common';
import { AccessTokens } from './access-tokens';
import { SessionsService } from './sessions.service';

/** What the global AuthGuard uses for `Bearer <JWT>`: signature, claims, then session liveness. */
@Injectable()
export class JwtAccessTokenVerifier extends AccessTokenVerifier {
  constructor(
    private readonly tokens: AccessTokens,
    private readonly sessions: SessionsService,
  ) {
    super();
  }

  async verify(token: string): Promise<UserPrincipal | null> {
    const claims = await this.tokens.verify(token);
    if (!claims) return null;
    if (!(await this.sessions.isLive(claims.sid, claims.sub))) return null;
    return { kind: 'user', userId: claims.sub, sessionId: claims.sid, ...(claims.team ? { activeTeamId: claims.team } : {}) };
  }
}
