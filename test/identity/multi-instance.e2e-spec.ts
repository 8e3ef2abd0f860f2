import { decodeProtectedHeader } from 'jose';
import { KeyRing } from '@avn/identity';
import { eventually, startTestApp, TestApp } from '@avn/testing';
import { bearer, freshIp, PASSWORD, signup } from './helpers';

/** Two instances of one deployment (same database, same Redis prefix): revocation and key rotation reach both. */
describe('identity: two instances', () => {
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    a = await startTestApp({ env: { TRUST_PROXY: 'true' } });
    b = await startTestApp({ database: a.database, cachePrefix: a.config.CACHE_KEY_PREFIX, env: { TRUST_PROXY: 'true' } });
  });

  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('a logout on one instance stops the access token on the other at once', async () => {
    const u = await signup(a, 'multi');
    await b.http.get('/v1/me').set(u.auth).expect(200); // B has seen the session live
    await a.http.post('/v1/auth/logout').set(u.auth).send({ refreshToken: u.refreshToken }).expect(204);
    await b.http.get('/v1/me').set(u.auth).expect(401);
  });

  it('tokens signed after a rotation on one instance verify on the other, and old ones keep verifying', async () => {
    const u = await signup(a, 'rotation');
    const rotated = await a.api.app.get(KeyRing, { strict: false }).rotate();
    const fresh = await a.http
      .post('/v1/auth/login')
      .set('X-Forwarded-For', freshIp())
      .send({ email: u.email, password: PASSWORD })
      .expect(200);
    expect(decodeProtectedHeader(fresh.body.accessToken).kid).toBe(rotated.kid);
    // B re-reads the key table for an unknown kid at most every unknownKidReloadMs: wait for it to.
    await eventually(() => b.http.get('/v1/me').set(bearer(fresh.body.accessToken)).expect(200));
    await b.http.get('/v1/me').set(u.auth).expect(200);
    const jwks = await b.http.get('/.well-known/jwks.json').expect(200);
    expect(jwks.body.keys.map((k: { kid: string }) => k.kid)).toContain(rotated.kid);
  });
});
