import { createRemoteJWKSet, jwtVerify, JWTVerifyGetKey } from 'jose';
import type { VerifiedUser } from './types';

export interface TokenVerifierOptions {
  /** Base URL of the control plane; the keys are fetched from `${baseUrl}/.well-known/jwks.json`. */
  baseUrl: string;
  /** Expected `iss` (the control plane's public URL). Default: not checked. */
  issuer?: string;
  /** Expected `aud`, if your deployment sets one. */
  audience?: string;
  /** Accepted clock skew (default 5 s). */
  clockToleranceSeconds?: number;
}

/**
 * Verifies user access tokens offline against the control plane's JWKS (ES256/RS256; keys are
 * fetched once and refreshed when an unknown `kid` shows up, so key rotation needs no restart).
 */
export class AccessTokenVerifier {
  private readonly jwks: JWTVerifyGetKey;

  constructor(private readonly options: TokenVerifierOptions) {
    this.jwks = createRemoteJWKSet(new URL(`${options.baseUrl.replace(/\/+$/, '')}/.well-known/jwks.json`), {
      cooldownDuration: 30_000,
      cacheMaxAge: 10 * 60_000,
    });
  }

  /** The verified user, or null for a missing, malformed, expired or wrongly signed token. */
  async verify(token: string): Promise<VerifiedUser | null> {
    try {
      const { payload } = await jwtVerify(token, this.jwks, {
        algorithms: ['ES256', 'RS256'],
        issuer: this.options.issuer,
        audience: this.options.audience,
        requiredClaims: ['sub', 'exp'],
        clockTolerance: this.options.clockToleranceSeconds ?? 5,
      });
      if (typeof payload.sub !== 'string') return null;
      const team = typeof payload.team === 'string' ? payload.team : undefined;
      const sid = typeof payload.sid === 'string' ? payload.sid : undefined;
      return { userId: payload.sub, teamId: team, sessionId: sid, claims: payload as Record<string, unknown> };
    } catch {
      return null;
    }
  }
}
