import { SessionsService } from '@avn/identity';
import { startTestApp, TestApp } from '@avn/testing';
import { DetailsFixture } from './fixture';

/**
 * Every kind of write the contract lists, made through the real API on instance 1, is reflected by
 * the very next GetUserDetails on instance 2 (whose cache was warm): the writers' AccessInvalidator
 * calls and this module's versioned cache, end to end.
 */
describe('GetUserDetails after real API writes (two instances)', () => {
  let t1: TestApp;
  let t2: TestApp;
  let f: DetailsFixture;
  let orders: { id: string; code: string; key: string; keyId: string };
  let adminToken: string;
  let n = 0;

  beforeAll(async () => {
    t1 = await startTestApp();
    t2 = await startTestApp({ database: t1.database, cachePrefix: t1.config.CACHE_KEY_PREFIX });
    f = new DetailsFixture(t1);
    orders = await f.product('orders', ['orders:read', 'orders:write']);
    const admin = await f.user('admin@example.com');
    await f.sql(
      `INSERT INTO aventian.tbl_platform_role_assignments (user_id, role_id)
       SELECT $1, id FROM aventian.tbl_roles WHERE team_id IS NULL AND code = 'platform_admin'`,
      [admin],
    );
    adminToken = await token(admin);
  });

  afterAll(async () => {
    await t2?.close();
    await t1?.close();
  });

  async function token(userId: string, teamId?: string): Promise<string> {
    return (await t1.api.app.get(SessionsService, { strict: false }).issueTokens(userId, teamId)).accessToken;
  }

  /** A team subscribed to orders, its owner (token) and a member holding `writer` (read+write). */
  async function world() {
    n++;
    const team = await f.team(`Team ${n}`, [{ productId: orders.id }]);
    await f.role(team, 'writer', ['orders:read', 'orders:write']);
    const owner = await f.user(`owner${n}@example.com`);
    const member = await f.user(`member${n}@example.com`);
    await f.member(team, owner, ['team_owner']);
    await f.member(team, member, ['writer']);
    return { team, member, ownerToken: await token(owner, team) };
  }

  const details = (app: TestApp, userId: string, key = orders.key) =>
    app.http.get(`/v1/users/${userId}/details`).set('authorization', `Bearer ${key}`);

  async function warm(userId: string): Promise<void> {
    for (let i = 0; i < 3; i++) await details(t2, userId).expect(200);
  }

  const privilegesOn2 = async (userId: string) =>
    ((await details(t2, userId).expect(200)).body.teams[0]?.privileges ?? null) as string[] | null;

  it('role revoke and grant', async () => {
    const w = await world();
    await warm(w.member);
    await t1.http.delete(`/v1/teams/${w.team}/members/${w.member}/roles/writer`).set('authorization', `Bearer ${w.ownerToken}`).expect(204);
    expect(await privilegesOn2(w.member)).toEqual([]);
    await t1.http.post(`/v1/teams/${w.team}/members/${w.member}/roles/writer`).set('authorization', `Bearer ${w.ownerToken}`).expect(201);
    expect(await privilegesOn2(w.member)).toEqual(['orders:read', 'orders:write']);
  });

  it('role privilege change', async () => {
    const w = await world();
    await warm(w.member);
    await t1.http
      .put(`/v1/teams/${w.team}/roles/writer/privileges`)
      .set('authorization', `Bearer ${w.ownerToken}`)
      .send({ privileges: ['orders:read'] })
      .expect(200);
    expect(await privilegesOn2(w.member)).toEqual(['orders:read']);
  });

  it('membership removal', async () => {
    const w = await world();
    await warm(w.member);
    await t1.http.delete(`/v1/teams/${w.team}/members/${w.member}`).set('authorization', `Bearer ${w.ownerToken}`).expect(204);
    expect((await details(t2, w.member).expect(200)).body.teams).toEqual([]);
  });

  it('subscription cancel', async () => {
    const w = await world();
    await warm(w.member);
    await t1.http.delete(`/v1/teams/${w.team}/subscriptions/orders`).set('authorization', `Bearer ${adminToken}`).expect(204);
    expect((await details(t2, w.member).expect(200)).body.teams).toEqual([]);
  });

  it('team deletion', async () => {
    const w = await world();
    await warm(w.member);
    await t1.http
      .delete(`/v1/teams/${w.team}`)
      .set('authorization', `Bearer ${w.ownerToken}`)
      .expect((r) => expect([200, 204]).toContain(r.status));
    expect((await details(t2, w.member).expect(200)).body.teams).toEqual([]);
  });

  it('user disable', async () => {
    const w = await world();
    await warm(w.member);
    await t1.http.patch(`/v1/users/${w.member}`).set('authorization', `Bearer ${adminToken}`).send({ status: 'disabled' }).expect(200);
    const res = await details(t2, w.member).expect(200);
    expect(res.body.user.status).toBe('disabled');
    expect(res.body.teams).toEqual([]);
  });

  it('product key revoke', async () => {
    const w = await world();
    const created = await t1.http
      .post(`/v1/products/orders/api-keys`)
      .set('authorization', `Bearer ${adminToken}`)
      .send({ name: 'rotating' })
      .expect(201);
    for (let i = 0; i < 3; i++) await details(t2, w.member, created.body.key).expect(200);
    await t1.http.delete(`/v1/products/orders/api-keys/${created.body.id}`).set('authorization', `Bearer ${adminToken}`).expect(204);
    await details(t2, w.member, created.body.key).expect(401);
  });
});
