import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { CacheKeys } from '@avn/cache';
import { AppConfig } from '@avn/config';
import { AccessTokens, KeyRing, SessionsJanitor } from '@avn/identity';
import { startTestApp, TestApp } from '@avn/testing';
import { activity, bearer, expectErrorShape, freshIp, PASSWORD, signup } from './helpers';

/**
 * Sessions on the real app (PostgreSQL + Redis): refresh rotation and reuse detection, the absolute
 * lifetime, logout, access-token checks, the session janitor, JWKS and key rotation, switch-team.
 */
describe('identity: sessions and tokens', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { TRUST_PROXY: 'true' } });
  });

  afterAll(async () => {
    await t?.close();
  });

  const login = (body: Record<string, unknown>, ip = freshIp()) => t.http.post('/v1/auth/login').set('X-Forwarded-For', ip).send(body);

  describe('refresh, logout, access tokens', () => {
    it('rotates refresh tokens; reusing a rotated one revokes the whole session (401)', async () => {
      const u = await signup(t, 'rotate');
      const r1 = await t.http.post('/v1/auth/refresh').send({ refreshToken: u.refreshToken }).expect(200);
      expect(r1.body).toEqual({ accessToken: expect.any(String), refreshToken: expect.any(String), activeTeamId: u.teamId });
      expect(r1.body.refreshToken).not.toBe(u.refreshToken);
      await t.http.get('/v1/me').set(bearer(r1.body.accessToken)).expect(200);
      const r2 = await t.http.post('/v1/auth/refresh').send({ refreshToken: r1.body.refreshToken }).expect(200);

      // Theft: the first (rotated) token is presented again.
      const reuse = await t.http.post('/v1/auth/refresh').send({ refreshToken: u.refreshToken }).expect(401);
      expectErrorShape(reuse.body, 401, 'UNAUTHENTICATED');
      // Every token of the family is dead now, including the legitimate latest ones.
      await t.http.post('/v1/auth/refresh').send({ refreshToken: r2.body.refreshToken }).expect(401);
      await t.http.get('/v1/me').set(bearer(r2.body.accessToken)).expect(401);
      await t.http.get('/v1/me').set(u.auth).expect(401);
      const session = await t.db.queryOne<{ status: string; revoke_reason: string }>(
        `SELECT status, revoke_reason FROM aventian.sessions WHERE id = $1`,
        [decodeJwt(u.accessToken).sid],
      );
      expect(session).toEqual({ status: 'revoked', revoke_reason: 'refresh_reuse' });
      const audit = await t.db.asPlatform(() =>
        t.db.query<{ action: string }>(
          `SELECT action FROM aventian_audit.audit_events WHERE target_id = $1 AND action = 'session.refresh_reuse_detected'`,
          [u.userId],
        ),
      );
      expect(audit).toHaveLength(1);
    });

    it('refuses unknown, malformed, expired refresh tokens (401) and bad bodies (400)', async () => {
      const u = await signup(t, 'rexp');
      await t.http
        .post('/v1/auth/refresh')
        .send({ refreshToken: 'avn_rt_' + 'A'.repeat(43) })
        .expect(401);
      await t.http.post('/v1/auth/refresh').send({ refreshToken: 'garbage' }).expect(401);
      await t.http.post('/v1/auth/refresh').send({}).expect(400);
      await t.http
        .post('/v1/auth/refresh')
        .send({ refreshToken: 'x'.repeat(129) })
        .expect(400);
      await t.http.post('/v1/auth/refresh').send({ refreshToken: u.refreshToken, extra: 1 }).expect(400);
      await t.db.query(
        `UPDATE aventian.refresh_tokens SET expires_at = now() - interval '1 second'
                         WHERE session_id = $1`,
        [decodeJwt(u.accessToken).sid],
      );
      await t.http.post('/v1/auth/refresh').send({ refreshToken: u.refreshToken }).expect(401);
    });

    it('never extends a session past its absolute lifetime from sign-in, and refuses refresh and team switch after it (401)', async () => {
      const u = await signup(t, 'maxlife');
      const sid = decodeJwt(u.accessToken).sid as string;
      const max = t.api.app.get(AppConfig).SESSION_MAX_LIFETIME_SECONDS;
      const second = (await t.http.post('/v1/teams').set(u.auth).send({ name: 'Second' }).expect(201)).body.id;
      const ends = async () =>
        t.db.queryOne<{ session: number; token: number }>(
          `SELECT extract(epoch FROM s.expires_at - s.created_at)::float8 AS session, extract(epoch FROM rt.expires_at - s.created_at)::float8 AS token
             FROM aventian.sessions s JOIN aventian.refresh_tokens rt ON rt.session_id = s.id AND rt.status = 'current' WHERE s.id = $1`,
          [sid],
        );
      // Signed in an hour short of the lifetime: a refresh still works, but both the session and the new
      // refresh token end at the lifetime, not a refresh TTL from now.
      await t.db.query(`UPDATE aventian.sessions SET created_at = now() - make_interval(secs => $2) + interval '1 hour' WHERE id = $1`, [
        sid,
        max,
      ]);
      const r1 = await t.http.post('/v1/auth/refresh').send({ refreshToken: u.refreshToken }).expect(200);
      expect(await ends()).toEqual({ session: expect.closeTo(max, -1), token: expect.closeTo(max, -1) });
      const switched = await t.http.post('/v1/auth/switch-team').set(u.auth).send({ teamId: second }).expect(200);
      expect(await ends()).toEqual({ session: expect.closeTo(max, -1), token: expect.closeTo(max, -1) });

      // Past the lifetime, even with a later expiry recorded (a session from before the cap existed).
      await t.db.query(
        `UPDATE aventian.sessions SET created_at = now() - make_interval(secs => $2) - interval '1 second', expires_at = now() + interval '10 days' WHERE id = $1`,
        [sid, max],
      );
      await t.http.post('/v1/auth/switch-team').set(bearer(switched.body.accessToken)).send({ teamId: u.teamId }).expect(401);
      await t.http.post('/v1/auth/refresh').send({ refreshToken: switched.body.refreshToken }).expect(401);
      expect(r1.body.refreshToken).not.toBe(switched.body.refreshToken);
    });

    it('logout revokes the session: its access and refresh tokens stop working at once (204)', async () => {
      const u = await signup(t, 'logout');
      const other = await login({ email: u.email, password: PASSWORD }).expect(200);
      await t.http.post('/v1/auth/logout').send({ refreshToken: u.refreshToken }).expect(401);
      await t.http.post('/v1/auth/logout').set(u.auth).send({}).expect(400);
      await t.http.post('/v1/auth/logout').set(u.auth).send({ refreshToken: u.refreshToken }).expect(204);
      await t.http.get('/v1/me').set(u.auth).expect(401);
      await t.http.post('/v1/auth/refresh').send({ refreshToken: u.refreshToken }).expect(401);
      // Another session of the same user is untouched.
      await t.http.get('/v1/me').set(bearer(other.body.accessToken)).expect(200);
      expect(await activity(t, u.userId)).toContain('logout');
      // Someone else's refresh token in the body does not end their session.
      const victim = await signup(t, 'victim');
      await t.http.post('/v1/auth/logout').set(bearer(other.body.accessToken)).send({ refreshToken: victim.refreshToken }).expect(204);
      await t.http.get('/v1/me').set(victim.auth).expect(200);
      await t.http.post('/v1/auth/refresh').send({ refreshToken: victim.refreshToken }).expect(200);
    });

    it('refuses expired, tampered, unsigned and foreign-key tokens with 401', async () => {
      const u = await signup(t, 'jwt');
      const tokens = t.api.app.get(AccessTokens, { strict: false });
      const sid = decodeJwt(u.accessToken).sid as string;
      const expired = await tokens.sign({ sub: u.userId, sid }, { issuedAt: Math.floor(Date.now() / 1000) - 3600, ttlSeconds: 60 });
      expectErrorShape((await t.http.get('/v1/me').set(bearer(expired)).expect(401)).body, 401, 'UNAUTHENTICATED');

      const [h, p, s] = u.accessToken.split('.');
      const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
      const forgedPayload = Buffer.from(JSON.stringify({ ...payload, sub: '00000000-0000-7000-8000-000000000000' })).toString('base64url');
      await t.http
        .get('/v1/me')
        .set(bearer(`${h}.${forgedPayload}.${s}`))
        .expect(401);
      const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${p}.`;
      await t.http.get('/v1/me').set(bearer(none)).expect(401);
      const { privateKey } = await generateKeyPair('ES256');
      const foreign = await new SignJWT(payload)
        .setProtectedHeader({ alg: 'ES256', kid: decodeProtectedHeader(u.accessToken).kid! })
        .sign(privateKey);
      await t.http.get('/v1/me').set(bearer(foreign)).expect(401);
      await t.http.get('/v1/me').set({ Authorization: 'Bearer not.a.jwt' }).expect(401);
      await t.http.get('/v1/me').expect(401);
      await t.http.get('/v1/me').set(u.auth).expect(200);
    });

    it('falls back to the database when the session entry is not in the cache', async () => {
      const u = await signup(t, 'fallback');
      const sid = decodeJwt(u.accessToken).sid as string;
      await t.cache.del(CacheKeys.sessionState(sid));
      await t.http.get('/v1/me').set(u.auth).expect(200);
      // Revoked in the database while the cache knows nothing: still refused.
      await t.db.query(`UPDATE aventian.sessions SET status = 'revoked' WHERE id = $1`, [sid]);
      await t.cache.del(CacheKeys.sessionState(sid));
      await t.http.get('/v1/me').set(u.auth).expect(401);
    });

    it('the janitor deletes dead sessions and expired rotated refresh tokens, never live ones', async () => {
      const dead = await signup(t, 'deadsession');
      const live = await signup(t, 'livesession');
      const deadSid = decodeJwt(dead.accessToken).sid as string;
      const liveSid = decodeJwt(live.accessToken).sid as string;
      await t.http.post('/v1/auth/refresh').send({ refreshToken: live.refreshToken }).expect(200);
      await t.db.query(`UPDATE aventian.sessions SET status = 'revoked', revoked_at = now() - interval '2 days' WHERE id = $1`, [deadSid]);
      await t.db.query(
        `UPDATE aventian.refresh_tokens SET expires_at = now() - interval '1 second' WHERE session_id = $1 AND status = 'rotated'`,
        [liveSid],
      );
      const swept = await t.api.app.get(SessionsJanitor, { strict: false }).sweep();
      expect(swept.sessions).toBeGreaterThanOrEqual(1);
      expect(swept.refreshTokens).toBeGreaterThanOrEqual(1);
      const left = await t.db.query<{ id: string }>(`SELECT id FROM aventian.sessions WHERE id = ANY($1::uuid[])`, [[deadSid, liveSid]]);
      expect(left.map((r) => r.id)).toEqual([liveSid]);
      const tokens = await t.db.query<{ status: string }>(`SELECT status FROM aventian.refresh_tokens WHERE session_id = $1`, [liveSid]);
      expect(tokens.map((r) => r.status)).toEqual(['current']);
      await t.cache.del(CacheKeys.sessionState(deadSid));
      await t.http.get('/v1/me').set(dead.auth).expect(401);
      await t.http.get('/v1/me').set(live.auth).expect(200);
    });

    it('publishes the verification keys as JWKS; a rotation keeps old tokens valid and signs new ones with the new key', async () => {
      const u = await signup(t, 'jwks');
      const jwks = await t.http.get('/.well-known/jwks.json').expect(200);
      expect(jwks.body.keys.length).toBeGreaterThanOrEqual(1);
      for (const k of jwks.body.keys) {
        expect(k).toEqual(expect.objectContaining({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: expect.any(String) }));
        expect(k.d).toBeUndefined(); // never the private part
      }
      const verified = await jwtVerify(u.accessToken, createLocalJWKSet(jwks.body), { issuer: t.config.publicUrl });
      expect(verified.payload.sub).toBe(u.userId);

      const oldKid = decodeProtectedHeader(u.accessToken).kid;
      const rotated = await t.api.app.get(KeyRing, { strict: false }).rotate();
      expect(rotated.retired).toContain(oldKid);
      const after = await t.http.get('/.well-known/jwks.json').expect(200);
      expect(after.body.keys.map((k: { kid: string }) => k.kid)).toEqual(expect.arrayContaining([oldKid, rotated.kid]));
      await t.http.get('/v1/me').set(u.auth).expect(200); // old-key token still valid
      const fresh = await login({ email: u.email, password: PASSWORD }).expect(200);
      expect(decodeProtectedHeader(fresh.body.accessToken).kid).toBe(rotated.kid);
      await t.http.get('/v1/me').set(bearer(fresh.body.accessToken)).expect(200);
      const row = await t.db.queryOne<{ private_key_sealed: Buffer }>(
        `SELECT private_key_sealed FROM aventian.signing_keys WHERE kid = $1`,
        [rotated.kid],
      );
      expect(row!.private_key_sealed.toString('latin1')).not.toContain('PRIVATE KEY');
    });
  });

  describe('POST /v1/auth/switch-team', () => {
    it('re-issues tokens for another team of the user, logged; other teams 404', async () => {
      const u = await signup(t, 'switch');
      const stranger = await signup(t, 'stranger');
      const second = (await t.http.post('/v1/teams').set(u.auth).send({ name: 'Second' }).expect(201)).body.id;
      const res = await t.http.post('/v1/auth/switch-team').set(u.auth).send({ teamId: second }).expect(200);
      expect(res.body).toEqual({ accessToken: expect.any(String), refreshToken: expect.any(String), activeTeamId: second });
      expect(decodeJwt(res.body.accessToken)).toEqual(expect.objectContaining({ team: second, sid: decodeJwt(u.accessToken).sid }));
      const me = await t.http.get('/v1/me').set(bearer(res.body.accessToken)).expect(200);
      expect(me.body.activeTeamId).toBe(second);
      const refreshed = await t.http.post('/v1/auth/refresh').send({ refreshToken: res.body.refreshToken }).expect(200);
      expect(refreshed.body.activeTeamId).toBe(second);
      expect(await activity(t, u.userId)).toContain('team.switched');

      const notMine = await t.http.post('/v1/auth/switch-team').set(u.auth).send({ teamId: stranger.teamId }).expect(404);
      expectErrorShape(notMine.body, 404, 'NOT_FOUND');
      await t.http.post('/v1/auth/switch-team').set(u.auth).send({ teamId: '00000000-0000-7000-8000-000000000000' }).expect(404);
      await t.http.post('/v1/auth/switch-team').set(u.auth).send({ teamId: 'nope' }).expect(400);
      await t.http.post('/v1/auth/switch-team').set(u.auth).send({}).expect(400);
      await t.http.post('/v1/auth/switch-team').send({ teamId: second }).expect(401);
    });
  });
});
