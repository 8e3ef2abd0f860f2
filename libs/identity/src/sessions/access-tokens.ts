import { Injectable } from '@nestjs/common';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { AppConfig } from '@avn/config';
import { isUuid } from '@avn/common';
import { JWT_ALG, KeyRing } from '../keys/key-ring.service';

/** Leeway on exp/iat between this server and the verifying one. */
const VERIFY_CLOCK_TOLERANCE_SECONDS = 5;

export interface AccessClaims {
  sub: string;
  sid: string;
  team?: string;
}

/** Signs and checks the signature/claims of access tokens (ES256 JWTs). Liveness is SessionsService's job. */
@Injectable()
export class AccessTokens {
  constructor(
    private readonly config: AppConfig,
    private readonly keys: KeyRing,
  ) {}

  get ttlSeconds(): number {
    return this.config.ACCESS_TOKEN_TTL_SECONDS;
  }

  async sign(claims: AccessClaims, options: { issuedAt?: number; ttlSeconds?: number } = {}): Promise<string> {
    const { kid, key } = await this.keys.signingKey();
    const iat = options.issuedAt ?? Math.floor(Date.now() / 1000);
    const jwt = new SignJWT({ sid: claims.sid, ...(claims.team ? { team: claims.team } : {}) })
      .setProtectedHeader({ alg: JWT_ALG, kid, typ: 'JWT' })
      .setSubject(claims.sub)
      .setIssuer(this.config.publicUrl)
      .setIssuedAt(iat)
      .setExpirationTime(iat + (options.ttlSeconds ?? this.ttlSeconds));
    return jwt.sign(key);
  }

  /** Claims of a well-signed, unexpired token from this issuer; null otherwise (never throws). */
  async verify(token: string): Promise<AccessClaims | null> {
    try {
      const { payload } = await jwtVerify(
        token,
        async (header) => {
          const key = await this.keys.verificationKey(header.kid);
          if (!key) throw new joseErrors.JWKSNoMatchingKey();
          return key;
        },
        {
          issuer: this.config.publicUrl,
          algorithms: [JWT_ALG],
          requiredClaims: ['sub', 'sid', 'exp', 'iat'],
          clockTolerance: VERIFY_CLOCK_TOLERANCE_SECONDS,
        },
      );
      const { sub, sid, team } = payload as { sub?: unknown; sid?: unknown; team?: unknown };
      if (!isUuid(sub) || !isUuid(sid) || (team !== undefined && !isUuid(team))) return null;
      return { sub, sid, ...(team ? { team } : {}) };
    } catch {
      return null;
    }
  }
}
