import * as argon2 from 'argon2';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { PasswordHasher } from '@avn/crypto';
import { UsersService } from '@avn/identity';
import { startTestApp, TestApp } from '@avn/testing';
import { activity, bearer, expectErrorShape, freshIp, PASSWORD, signup, uniqueEmail } from './helpers';

/**
 * Sign-up and login (lockout, constant-time unknown e-mails, re-hash) on the real app (PostgreSQL +
 * Redis); sessions, tokens and switch-team are in sessions.e2e-spec.ts.
 */
describe('identity: auth', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      env: { TRUST_PROXY: 'true', LOGIN_MAX_FAILURES: '5', LOGIN_MAX_FAILURES_PER_IP: '8', SIGNUP_MAX_PER_IP_PER_HOUR: '3' },
    });
  });

  afterAll(async () => {
    await t?.close();
  });

  const login = (body: Record<string, unknown>, ip = freshIp()) => t.http.post('/v1/auth/login').set('X-Forwarded-For', ip).send(body);

  describe('POST /v1/auth/signup', () => {
    it('creates the user and a team it owns, in one go, and returns tokens', async () => {
      const email = uniqueEmail('Ada').toUpperCase();
      const res = await t.http
        .post('/v1/auth/signup')
        .set('X-Forwarded-For', freshIp())
        .send({ email: `  ${email} `, password: PASSWORD, displayName: ' Ada ', teamName: 'Analytical' })
        .expect(201);
      expect(res.body).toEqual({
        user: { id: expect.any(String), email: email.trim(), displayName: 'Ada' },
        team: { id: expect.any(String), name: 'Analytical' },
        accessToken: expect.any(String),
        refreshToken: expect.stringMatching(/^avn_rt_[A-Za-z0-9_-]{43}$/),
      });
      const me = await t.http.get('/v1/me').set(bearer(res.body.accessToken)).expect(200);
      expect(me.body).toEqual({
        id: res.body.user.id,
        email: email.trim(),
        displayName: 'Ada',
        locale: 'en',
        teams: [{ id: res.body.team.id, name: 'Analytical', roles: ['team_owner'] }],
        activeTeamId: res.body.team.id,
      });
      const stored = await t.db.queryOne<{ email_normalized: string; password_hash: string }>(
        `SELECT email_normalized, password_hash FROM aventian.tbl_users WHERE id = $1`,
        [res.body.user.id],
      );
      expect(stored!.email_normalized).toBe(email.trim().toLowerCase());
      expect(stored!.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,(t=2,p=1|p=1,t=2)\$/);
      expect(await activity(t, res.body.user.id)).toEqual(['signup']);
      const audit = await t.db.asPlatform(() =>
        t.db.query<{ action: string }>(`SELECT action FROM aventian_audit.audit_events WHERE target_id = $1`, [res.body.user.id]),
      );
      expect(audit.map((a) => a.action)).toContain('user.signed_up');
    });

    it('answers 409 EMAIL_TAKEN for an address in use, whatever its case, and creates nothing', async () => {
      const first = await signup(t, 'dup');
      const teamsBefore = await t.db.asPlatform(() => t.db.query(`SELECT id FROM aventian.tbl_teams`));
      const res = await t.http
        .post('/v1/auth/signup')
        .set('X-Forwarded-For', freshIp())
        .send({ email: first.email.toUpperCase(), password: PASSWORD, displayName: 'x', teamName: 'y' })
        .expect(409);
      expectErrorShape(res.body, 409, 'EMAIL_TAKEN');
      const teamsAfter = await t.db.asPlatform(() => t.db.query(`SELECT id FROM aventian.tbl_teams`));
      expect(teamsAfter).toHaveLength(teamsBefore.length);
    });

    it.each([
      ['missing fields', {}, ['email', 'password', 'displayName', 'teamName']],
      ['an unknown field', { extra: 1 }, ['extra']],
      [
        'wrong types',
        { email: 5, password: 123456789012345, displayName: ['a'], teamName: {} },
        ['email', 'password', 'displayName', 'teamName'],
      ],
      ['a bad e-mail', { email: 'not-an-email' }, ['email']],
      ['an oversized display name', { displayName: 'x'.repeat(201) }, ['displayName']],
      ['an oversized e-mail', { email: `${'a'.repeat(320)}@x.io` }, ['email']],
      ['an oversized password', { password: 'Aa1!'.repeat(65) }, ['password']],
      ['a blank team name', { teamName: '   ' }, ['teamName']],
    ])('refuses %s with 400 and the fields named', async (_label, patch, fields) => {
      const base = { email: uniqueEmail('bad'), password: PASSWORD, displayName: 'B', teamName: 'T' };
      const body = _label === 'missing fields' ? {} : { ...base, ...patch };
      const res = await t.http.post('/v1/auth/signup').set('X-Forwarded-For', freshIp()).send(body).expect(400);
      expectErrorShape(res.body, 400, 'VALIDATION_FAILED');
      const named = (res.body.details as Array<{ field: string }>).map((d) => d.field);
      for (const f of fields) expect(named).toContain(f);
    });

    it.each([
      ['too short', 'Sh0rt!pass'],
      ['a common password with padding', 'Password2024!'],
      ['a repeated common word', 'qwertyqwerty'],
      ['containing the e-mail name', 'weakling-local-part-99'],
    ])('refuses a weak password (%s) with 400 on password', async (_label, password) => {
      const res = await t.http
        .post('/v1/auth/signup')
        .set('X-Forwarded-For', freshIp())
        .send({ email: `weakling-local-part@id.test`, password, displayName: 'W', teamName: 'T' })
        .expect(400);
      expectErrorShape(res.body, 400, 'VALIDATION_FAILED');
      expect(res.body.details).toEqual([expect.objectContaining({ field: 'password' })]);
      expect(await t.api.app.get(UsersService, { strict: false }).findByEmail('weakling-local-part@id.test')).toBeUndefined();
    });

    it('rate-limits sign-ups per client IP with 429 and Retry-After', async () => {
      const ip = freshIp();
      for (let i = 0; i < 3; i++) {
        await t.http
          .post('/v1/auth/signup')
          .set('X-Forwarded-For', ip)
          .send({ email: uniqueEmail('rl'), password: 'short', displayName: 'R', teamName: 'T' })
          .expect(400);
      }
      const res = await t.http
        .post('/v1/auth/signup')
        .set('X-Forwarded-For', ip)
        .send({ email: uniqueEmail('rl'), password: PASSWORD, displayName: 'R', teamName: 'T' })
        .expect(429);
      expectErrorShape(res.body, 429, 'RATE_LIMITED');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    });
  });

  describe('POST /v1/auth/login', () => {
    it('signs in (e-mail case-insensitive), defaulting to the first team, and logs the activity', async () => {
      const u = await signup(t, 'login');
      const res = await login({ email: `  ${u.email.toUpperCase()}`, password: PASSWORD }).expect(200);
      expect(res.body).toEqual({
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
        user: { id: u.userId, email: u.email, displayName: 'login' },
        activeTeamId: u.teamId,
      });
      const claims = decodeJwt(res.body.accessToken);
      expect(claims).toEqual(expect.objectContaining({ sub: u.userId, team: u.teamId, sid: expect.any(String), iss: t.config.publicUrl }));
      expect((claims.exp as number) - (claims.iat as number)).toBe(t.config.ACCESS_TOKEN_TTL_SECONDS);
      expect(decodeProtectedHeader(res.body.accessToken)).toEqual(expect.objectContaining({ alg: 'ES256', kid: expect.any(String) }));
      expect(await activity(t, u.userId)).toEqual(['signup', 'login.succeeded']);
    });

    it('activates a requested team of the user; another team answers 404', async () => {
      const u = await signup(t, 'pick');
      const other = await signup(t, 'other');
      const second = (await t.http.post('/v1/teams').set(u.auth).send({ name: 'Second' }).expect(201)).body.id;
      const ok = await login({ email: u.email, password: PASSWORD, teamId: second }).expect(200);
      expect(ok.body.activeTeamId).toBe(second);
      expect(decodeJwt(ok.body.accessToken).team).toBe(second);
      expectErrorShape((await login({ email: u.email, password: PASSWORD, teamId: other.teamId }).expect(404)).body, 404, 'NOT_FOUND');
      await login({ email: u.email, password: PASSWORD, teamId: 'nope' }).expect(400);
    });

    it('answers a wrong password and an unknown e-mail identically, each after one password verification', async () => {
      const u = await signup(t, 'same');
      const verify = jest.spyOn(t.api.app.get(PasswordHasher), 'verify');
      try {
        const wrong = await login({ email: u.email, password: 'wrong-password-123' }).expect(401);
        const unknown = await login({ email: uniqueEmail('ghost'), password: 'wrong-password-123' }).expect(401);
        expect(wrong.body.message).toBe(unknown.body.message);
        expect(wrong.body.error).toBe('UNAUTHENTICATED');
        expect(verify).toHaveBeenCalledTimes(2);
      } finally {
        verify.mockRestore();
      }
      expect(await activity(t, u.userId)).toEqual(['signup', 'login.failed']);
    });

    it.each([
      ['missing password', { email: 'a@b.io' }],
      ['an unknown field', { email: 'a@b.io', password: 'x', remember: true }],
      ['a non-string password', { email: 'a@b.io', password: 42 }],
      ['a bad e-mail', { email: 'a-at-b', password: 'x' }],
      ['an oversized password', { email: 'a@b.io', password: 'x'.repeat(257) }],
    ])('refuses %s with 400', async (_label, body) => {
      expectErrorShape((await login(body).expect(400)).body, 400, 'VALIDATION_FAILED');
    });

    it('accepts addresses without a TLD (the embedded admin is admin@localhost)', async () => {
      expectErrorShape(
        (await login({ email: 'admin@localhost', password: 'not-the-password-1' }).expect(401)).body,
        401,
        'UNAUTHENTICATED',
      );
    });

    it('locks the account under a burst of 50 parallel wrong passwords: at most LOGIN_MAX_FAILURES checks, the rest 429', async () => {
      const u = await signup(t, 'burst');
      const verify = jest.spyOn(t.api.app.get(PasswordHasher), 'verify');
      let responses;
      try {
        // Distinct IPs: this is the per-account limit, not the per-IP one.
        responses = await Promise.all(Array.from({ length: 50 }, () => login({ email: u.email, password: 'not-the-password-1' })));
        expect(verify.mock.calls.length).toBeLessThanOrEqual(5);
      } finally {
        verify.mockRestore();
      }
      const statuses = responses.map((r) => r.status);
      expect(statuses.filter((s) => s === 401)).toHaveLength(5);
      expect(statuses.filter((s) => s === 429)).toHaveLength(45);
      for (const r of responses.filter((x) => x.status === 429)) {
        expectErrorShape(r.body, 429, 'RATE_LIMITED');
        const retry = Number(r.headers['retry-after']);
        expect(retry).toBeGreaterThan(0);
        expect(retry).toBeLessThanOrEqual(t.config.LOGIN_LOCKOUT_SECONDS);
      }
      // Locked means locked: the right password is refused too, without being checked.
      await login({ email: u.email, password: PASSWORD }).expect(429);
      expect((await activity(t, u.userId)).filter((a) => a === 'login.failed')).toHaveLength(5);
    });

    it('a successful login resets the account counter', async () => {
      const u = await signup(t, 'reset');
      for (let i = 0; i < 4; i++) await login({ email: u.email, password: 'not-the-password-1' }).expect(401);
      await login({ email: u.email, password: PASSWORD }).expect(200);
      for (let i = 0; i < 4; i++) await login({ email: u.email, password: 'not-the-password-1' }).expect(401);
      await login({ email: u.email, password: PASSWORD }).expect(200);
    });

    it('locks a client IP after LOGIN_MAX_FAILURES_PER_IP failures across accounts', async () => {
      const ip = freshIp();
      for (let i = 0; i < 8; i++) await login({ email: uniqueEmail('spray'), password: 'Winter2024!!' }, ip).expect(401);
      const res = await login({ email: uniqueEmail('spray'), password: 'Winter2024!!' }, ip).expect(429);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      await login({ email: uniqueEmail('spray'), password: 'Winter2024!!' }, freshIp()).expect(401);
    });

    it('re-hashes a password stored with outdated argon2 parameters on login', async () => {
      const u = await signup(t, 'rehash');
      const weak = await argon2.hash(PASSWORD, { type: argon2.argon2id, memoryCost: 4096, timeCost: 1, parallelism: 1 });
      await t.db.query(`UPDATE aventian.tbl_users SET password_hash = $2 WHERE id = $1`, [u.userId, weak]);
      await login({ email: u.email, password: PASSWORD }).expect(200);
      const row = await t.db.queryOne<{ password_hash: string }>(`SELECT password_hash FROM aventian.tbl_users WHERE id = $1`, [u.userId]);
      expect(row!.password_hash).not.toBe(weak);
      expect(t.api.app.get(PasswordHasher).needsRehash(row!.password_hash)).toBe(false);
      await login({ email: u.email, password: PASSWORD }).expect(200);
    });
  });

  it('documents every identity route in the OpenAPI document', async () => {
    const doc = await t.http.get('/docs-json').expect(200);
    for (const path of [
      '/v1/auth/signup',
      '/v1/auth/login',
      '/v1/auth/refresh',
      '/v1/auth/logout',
      '/v1/auth/switch-team',
      '/v1/me',
      '/v1/users',
      '/v1/users/{userId}',
      '/.well-known/jwks.json',
    ]) {
      expect(doc.body.paths).toHaveProperty([path]);
    }
    expect(doc.body.components.schemas.SignupDto.required).toEqual(
      expect.arrayContaining(['email', 'password', 'displayName', 'teamName']),
    );
  });
});
