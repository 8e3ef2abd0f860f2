import { randomBytes } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, importJWK, jwtVerify, SignJWT } from 'jose';
import { AppConfig } from '@avn/config';
import { DecryptionError, Kek } from '@avn/crypto';
import { AccessTokens } from '../sessions/access-tokens';
import { createSealedKey, unsealPrivateKey } from './key-material';
import type { KeyRing } from './key-ring.service';

const kek = (): Kek => ({ id: 'local', version: '1', key: randomBytes(32) });

describe('JWT signing key material', () => {
  it('seals the private key and publishes only the public half', async () => {
    const k = kek();
    const m = await createSealedKey(k);
    expect(m.kid).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(Object.keys(m.publicJwk).sort()).toEqual(['crv', 'kty', 'x', 'y']);
    expect(m.sealed.toString('latin1')).not.toContain('PRIVATE KEY');
    const priv = await unsealPrivateKey(m.kid, m.sealed, k);
    const token = await new SignJWT({ a: 1 }).setProtectedHeader({ alg: 'ES256' }).sign(priv);
    await expect(jwtVerify(token, await importJWK(m.publicJwk, 'ES256'))).resolves.toBeDefined();
  });

  it('fails closed with the wrong KEK, a tampered blob or a blob moved to another kid', async () => {
    const k = kek();
    const m = await createSealedKey(k);
    await expect(unsealPrivateKey(m.kid, m.sealed, kek())).rejects.toBeInstanceOf(DecryptionError);
    const tampered = Buffer.from(m.sealed);
    tampered[tampered.length - 1] ^= 1;
    await expect(unsealPrivateKey(m.kid, tampered, k)).rejects.toBeInstanceOf(DecryptionError);
    const other = await createSealedKey(k);
    await expect(unsealPrivateKey(other.kid, m.sealed, k)).rejects.toBeInstanceOf(DecryptionError);
  });
});

describe('AccessTokens', () => {
  const sub = '01900000-0000-7000-8000-000000000001';
  const sid = '01900000-0000-7000-8000-000000000002';
  const team = '01900000-0000-7000-8000-000000000003';

  /** A two-key ring (current + retired) over real key material. */
  async function setup() {
    const k = kek();
    const current = await createSealedKey(k);
    const retired = await createSealedKey(k);
    const publicKeys = new Map([
      [current.kid, await importJWK(current.publicJwk, 'ES256')],
      [retired.kid, await importJWK(retired.publicJwk, 'ES256')],
    ]);
    const ring = {
      signingKey: async () => ({ kid: current.kid, key: await unsealPrivateKey(current.kid, current.sealed, k) }),
      verificationKey: async (kid?: string) => (kid ? publicKeys.get(kid) : undefined),
    } as unknown as KeyRing;
    const config = Object.assign(new AppConfig(), { PUBLIC_URL: 'https://id.example.com', ACCESS_TOKEN_TTL_SECONDS: 900 });
    return { tokens: new AccessTokens(config, ring), current, retired, k, publicKeys };
  }

  it('signs ES256 tokens with kid, iss, sub, sid, team, iat, exp and verifies them', async () => {
    const { tokens, current } = await setup();
    const jwt = await tokens.sign({ sub, sid, team });
    expect(decodeProtectedHeader(jwt)).toEqual({ alg: 'ES256', kid: current.kid, typ: 'JWT' });
    const claims = decodeJwt(jwt);
    expect(claims).toEqual({ sub, sid, team, iss: 'https://id.example.com', iat: expect.any(Number), exp: (claims.iat as number) + 900 });
    await expect(tokens.verify(jwt)).resolves.toEqual({ sub, sid, team });
    await expect(tokens.verify(await tokens.sign({ sub, sid }))).resolves.toEqual({ sub, sid });
  });

  it('refuses expired tokens, other issuers, unknown kids, alg none and malformed claims', async () => {
    const { tokens, k, retired } = await setup();
    const now = Math.floor(Date.now() / 1000);
    await expect(tokens.verify(await tokens.sign({ sub, sid }, { issuedAt: now - 1000, ttlSeconds: 60 }))).resolves.toBeNull();

    const retiredKey = await unsealPrivateKey(retired.kid, retired.sealed, k);
    const sign = (claims: Record<string, unknown>, header: Record<string, unknown> = { alg: 'ES256', kid: retired.kid }) =>
      new SignJWT(claims)
        .setProtectedHeader(header as { alg: string })
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(retiredKey);
    // A retired key that is still in the ring verifies.
    await expect(tokens.verify(await sign({ sub, sid, iss: 'https://id.example.com' }))).resolves.toEqual({ sub, sid });
    await expect(tokens.verify(await sign({ sub, sid, iss: 'https://evil.example.com' }))).resolves.toBeNull();
    await expect(
      tokens.verify(await sign({ sub, sid, iss: 'https://id.example.com' }, { alg: 'ES256', kid: 'unknown-kid-123' })),
    ).resolves.toBeNull();
    await expect(tokens.verify(await sign({ sub, iss: 'https://id.example.com' }))).resolves.toBeNull();
    await expect(tokens.verify(await sign({ sub: 'not-a-uuid', sid, iss: 'https://id.example.com' }))).resolves.toBeNull();
    const body = Buffer.from(JSON.stringify({ sub, sid, iss: 'https://id.example.com', exp: now + 60, iat: now })).toString('base64url');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${body}.`;
    await expect(tokens.verify(none)).resolves.toBeNull();
    await expect(tokens.verify('garbage')).resolves.toBeNull();
  });
});
