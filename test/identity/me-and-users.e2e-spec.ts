import { decodeJwt } from 'jose';
import { CacheKeys } from '@avn/cache';
import { UsersService } from '@avn/identity';
import { startTestApp, TestApp } from '@avn/testing';
import { bearer, expectErrorShape, freshIp, PASSWORD, signup, SignedUp, uniqueEmail } from './helpers';

/** GET/PATCH /v1/me and the platform-admin user routes (list, inspect, rename, disable). */
describe('identity: profile and user administration', () => {
  let t: TestApp;
  let admin: SignedUp;

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        TRUST_PROXY: 'true',
        AVN_BOOTSTRAP_ADMIN_EMAIL: 'Root@Admin.test',
        AVN_BOOTSTRAP_ADMIN_PASSWORD: 'bootstrap-admin-passphrase',
      },
    });
    // The bootstrap admin signs in like anyone else.
    const res = await login('root@admin.test', 'bootstrap-admin-passphrase').expect(200);
    admin = {
      userId: res.body.user.id,
      teamId: '',
      email: res.body.user.email,
      accessToken: res.body.accessToken,
      refreshToken: res.body.refreshToken,
      auth: bearer(res.body.accessToken),
    };
    expect(res.body.activeTeamId).toBeNull(); // no team yet
  });

  afterAll(async () => {
    await t?.close();
  });

  const login = (email: string, password = PASSWORD) =>
    t.http.post('/v1/auth/login').set('X-Forwarded-For', freshIp()).send({ email, password });

  describe('/v1/me', () => {
    it('updates display name and locale, audited, and refuses bad input with 400', async () => {
      const u = await signup(t, 'profile');
      const res = await t.http.patch('/v1/me').set(u.auth).send({ displayName: ' Grace ', locale: 'pt-BR' }).expect(200);
      expect(res.body).toEqual(expect.objectContaining({ id: u.userId, displayName: 'Grace', locale: 'pt-BR', activeTeamId: u.teamId }));
      expect((await t.http.get('/v1/me').set(u.auth).expect(200)).body.displayName).toBe('Grace');
      const audit = await t.db.asPlatform(() =>
        t.db.query<{ action: string; data: { fields: string[] } }>(
          `SELECT action, data FROM aventian_audit.audit_events WHERE target_id = $1 AND action = 'user.profile_updated'`,
          [u.userId],
        ),
      );
      expect(audit).toEqual([{ action: 'user.profile_updated', data: { fields: ['displayName', 'locale'] } }]);

      for (const body of [
        { displayName: '' },
        { displayName: 'x'.repeat(201) },
        { locale: 'not a locale' },
        { locale: 5 },
        { email: 'new@x.io' },
        { status: 'disabled' },
      ]) {
        expectErrorShape((await t.http.patch('/v1/me').set(u.auth).send(body).expect(400)).body, 400, 'VALIDATION_FAILED');
      }
      await t.http.patch('/v1/me').send({ displayName: 'x' }).expect(401);
    });

    it('changes the password only with the right current password, enforcing the policy, and signs out the other sessions', async () => {
      const u = await signup(t, 'pwchange');
      const other = (await login(u.email).expect(200)).body;
      const next = 'a-brand-new-long-passphrase';

      const missing = await t.http.patch('/v1/me').set(u.auth).send({ password: next }).expect(400);
      expect(missing.body.details).toEqual([expect.objectContaining({ field: 'currentPassword' })]);
      const wrong = await t.http.patch('/v1/me').set(u.auth).send({ password: next, currentPassword: 'wrong-wrong-wrong' }).expect(400);
      expectErrorShape(wrong.body, 400, 'VALIDATION_FAILED');
      expect(wrong.body.details).toEqual([expect.objectContaining({ field: 'currentPassword' })]);
      const weak = await t.http.patch('/v1/me').set(u.auth).send({ password: 'password12345', currentPassword: PASSWORD }).expect(400);
      expect(weak.body.details).toEqual([expect.objectContaining({ field: 'password' })]);
      await t.http.patch('/v1/me').set(u.auth).send({ currentPassword: PASSWORD }).expect(400);
      // Nothing changed so far, every session alive.
      await t.http.get('/v1/me').set(bearer(other.accessToken)).expect(200);

      await t.http.patch('/v1/me').set(u.auth).send({ password: next, currentPassword: PASSWORD }).expect(200);
      await t.http.get('/v1/me').set(u.auth).expect(200); // this session stays
      await t.http.get('/v1/me').set(bearer(other.accessToken)).expect(401); // the others are gone
      await t.http.post('/v1/auth/refresh').send({ refreshToken: other.refreshToken }).expect(401);
      await login(u.email).expect(401);
      await login(u.email, next).expect(200);
    });

    it('locks password-change guessing like logins', async () => {
      const u = await signup(t, 'pwguess');
      for (let i = 0; i < t.config.LOGIN_MAX_FAILURES; i++) {
        await t.http
          .patch('/v1/me')
          .set(u.auth)
          .send({ password: 'another-long-passphrase', currentPassword: `guess-${i}` })
          .expect(400);
      }
      const locked = await t.http
        .patch('/v1/me')
        .set(u.auth)
        .send({ password: 'another-long-passphrase', currentPassword: PASSWORD })
        .expect(429);
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    });
  });

  describe('/v1/users (platform admin)', () => {
    it('is for platform admins only', async () => {
      const u = await signup(t, 'nonadmin');
      expectErrorShape((await t.http.get('/v1/users').set(u.auth).expect(403)).body, 403, 'FORBIDDEN');
      await t.http.get(`/v1/users/${u.userId}`).set(u.auth).expect(403);
      await t.http.patch(`/v1/users/${u.userId}`).set(u.auth).send({ displayName: 'x' }).expect(403);
      await t.http.get('/v1/users').expect(401);
    });

    it('lists users by id with a cursor, filtered by e-mail prefix', async () => {
      const prefix = `lst${Date.now().toString(36)}`;
      const users = [];
      const service = t.api.app.get(UsersService, { strict: false });
      for (let i = 0; i < 3; i++) users.push(await service.createUser({ email: `${prefix}-${i}@Example.com`, displayName: `L${i}` }));
      const p1 = await t.http.get(`/v1/users?email=${prefix.toUpperCase()}&limit=2`).set(admin.auth).expect(200);
      expect(p1.body.items).toEqual(
        users.slice(0, 2).map((u) => ({ id: u.id, email: u.email, displayName: u.displayName, status: 'active' })),
      );
      expect(p1.body.nextCursor).toEqual(expect.any(String));
      const p2 = await t.http.get(`/v1/users?email=${prefix}&limit=2&cursor=${p1.body.nextCursor}`).set(admin.auth).expect(200);
      expect(p2.body).toEqual({ items: [expect.objectContaining({ id: users[2].id })], nextCursor: null });
      const all = await t.http.get('/v1/users?limit=200').set(admin.auth).expect(200);
      expect(all.body.items.map((u: { id: string }) => u.id)).toEqual(expect.arrayContaining([admin.userId, ...users.map((u) => u.id)]));
      expect(all.body.items[0]).not.toHaveProperty('passwordHash');
      await t.http.get('/v1/users?cursor=garbage!').set(admin.auth).expect(400);
      await t.http.get('/v1/users?limit=0').set(admin.auth).expect(400);
      await t.http
        .get(`/v1/users?email=${'x'.repeat(321)}`)
        .set(admin.auth)
        .expect(400);
      await t.http.get('/v1/users?unknown=1').set(admin.auth).expect(400);
    });

    it('shows a user with teams and roles; 404 unknown, 400 malformed id', async () => {
      const u = await signup(t, 'inspect');
      const res = await t.http.get(`/v1/users/${u.userId}`).set(admin.auth).expect(200);
      expect(res.body).toEqual({
        id: u.userId,
        email: u.email,
        displayName: 'inspect',
        status: 'active',
        locale: 'en',
        createdAt: expect.any(String),
        teams: [{ id: u.teamId, name: 'inspect team', roles: ['team_owner'] }],
      });
      await t.http.get('/v1/users/00000000-0000-7000-8000-000000000000').set(admin.auth).expect(404);
      await t.http.get('/v1/users/not-a-uuid').set(admin.auth).expect(400);
    });

    it('disabling a user stops every token at once, refuses login/refresh, empties GetUserDetails versions, audited; enabling restores login', async () => {
      const u = await signup(t, 'disable');
      const second = (await login(u.email).expect(200)).body;
      await t.http.get('/v1/me').set(u.auth).expect(200); // warm the session cache entry
      const versionBefore = Number((await t.cache.get(CacheKeys.userVersion(u.userId))) ?? 0);

      const res = await t.http.patch(`/v1/users/${u.userId}`).set(admin.auth).send({ status: 'disabled' }).expect(200);
      expect(res.body).toEqual(expect.objectContaining({ id: u.userId, status: 'disabled' }));
      await t.http.get('/v1/me').set(u.auth).expect(401);
      await t.http.get('/v1/me').set(bearer(second.accessToken)).expect(401);
      await t.http.post('/v1/auth/refresh').send({ refreshToken: second.refreshToken }).expect(401);
      await login(u.email).expect(401);
      expect(Number(await t.cache.get(CacheKeys.userVersion(u.userId)))).toBeGreaterThan(versionBefore);
      const sessions = await t.db.query<{ status: string }>(`SELECT status FROM aventian.sessions WHERE user_id = $1`, [u.userId]);
      expect(sessions.map((s) => s.status)).toEqual(['revoked', 'revoked']);
      const audit = await t.db.asPlatform(() =>
        t.db.query<{ action: string; actor_id: string }>(
          `SELECT action, actor_id FROM aventian_audit.audit_events WHERE target_id = $1 AND action LIKE 'user.%abled'`,
          [u.userId],
        ),
      );
      expect(audit).toEqual([{ action: 'user.disabled', actor_id: admin.userId }]);

      await t.http.patch(`/v1/users/${u.userId}`).set(admin.auth).send({ status: 'active', displayName: 'Back' }).expect(200);
      const back = await login(u.email).expect(200);
      expect(back.body.user.displayName).toBe('Back');
      await t.http.get('/v1/me').set(u.auth).expect(401); // old sessions stay revoked
    });

    it('refuses bad patches with 400 and unknown users with 404', async () => {
      const u = await signup(t, 'badpatch');
      for (const body of [{}, { status: 'banned' }, { displayName: '' }, { email: 'x@y.io' }, { displayName: 'x'.repeat(201) }]) {
        expectErrorShape(
          (await t.http.patch(`/v1/users/${u.userId}`).set(admin.auth).send(body).expect(400)).body,
          400,
          'VALIDATION_FAILED',
        );
      }
      await t.http.patch('/v1/users/00000000-0000-7000-8000-000000000000').set(admin.auth).send({ displayName: 'x' }).expect(404);
      const self = await t.http.patch(`/v1/users/${admin.userId}`).set(admin.auth).send({ status: 'disabled' }).expect(422);
      expectErrorShape(self.body, 422, 'CANNOT_DISABLE_SELF');
      await t.http.get('/v1/me').set(admin.auth).expect(200);
    });
  });

  describe('UsersService (used by invitations and SSO)', () => {
    it('normalises e-mails, enforces the policy, 409 on duplicates, joins the caller transaction', async () => {
      const service = t.api.app.get(UsersService, { strict: false });
      const email = uniqueEmail('svc');
      const created = await service.createUser({
        email: `  ${email.toUpperCase()} `,
        displayName: 'Svc',
        password: PASSWORD,
        locale: 'de',
      });
      expect(created).toEqual({
        id: expect.any(String),
        email: email.toUpperCase(),
        displayName: 'Svc',
        locale: 'de',
        status: 'active',
        createdAt: expect.any(Date),
      });
      expect(await service.findByEmail(email)).toEqual(created);
      expect(await service.findById(created.id)).toEqual(created);
      await expect(service.createUser({ email, displayName: 'Again' })).rejects.toMatchObject({ status: 409, code: 'EMAIL_TAKEN' });
      await expect(service.createUser({ email: uniqueEmail('svc'), displayName: 'W', password: 'short' })).rejects.toMatchObject({
        status: 400,
      });

      const rolledBack = uniqueEmail('tx');
      await expect(
        t.db.transaction(async () => {
          await service.createUser({ email: rolledBack, displayName: 'Tx' });
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await service.findByEmail(rolledBack)).toBeUndefined();
    });

    it('issued tokens carry the session id that logout revokes', async () => {
      const u = await signup(t, 'sid');
      expect(decodeJwt(u.accessToken).sid).toEqual(expect.any(String));
    });
  });
});
