import type { TestApp } from '@avn/testing';
import { addMember, adminToken, bearer, signUp, SignedUp, startProductsApp, tokenFor } from './support/fixtures';

/**
 * Subscriptions: provisioning (success, failure, timeout, retry, minimal environment), seats
 * (route, database trigger, concurrent grants), cancel, template roles, and the product-facing
 * connection read with cross-product isolation.
 */
describe('subscriptions, provisioning, seats and db connections', () => {
  let t: TestApp;
  let admin: Record<string, string>;
  let owner: SignedUp;
  let ordersKey: string;
  let billingKey: string;

  const createProduct = async (code: string, script: string, resourceTypes: string[] = []) =>
    t.http
      .post('/v1/products')
      .set(admin)
      .send({
        code,
        name: code,
        provisioningScript: script,
        dashboardUrl: 'https://dash.example.com',
        allowedResourceTypes: resourceTypes,
      })
      .expect(201);

  const subscribe = (teamId: string, token: Record<string, string>, body: Record<string, unknown>) =>
    t.http.post(`/v1/teams/${teamId}/subscriptions`).set(token).send(body);

  const readConnection = (teamId: string, key: string) => t.http.get(`/v1/teams/${teamId}/db-connection`).set(bearer(key));

  beforeAll(async () => {
    t = await startProductsApp();
    admin = bearer(await adminToken(t));
    owner = await signUp(t, 'owner');
    await createProduct('orders', 'example-provision.js', ['orders']);
    await createProduct('billing', 'example-provision.js', ['billing']);
    await t.http.post('/v1/products/orders/privileges').set(admin).send({ resourceType: 'orders', action: 'read' }).expect(201);
    await t.http.post('/v1/products/orders/privileges').set(admin).send({ resourceType: 'orders', action: 'write' }).expect(201);
    await t.http
      .post('/v1/products/orders/role-templates')
      .set(admin)
      .send({ code: 'orders.viewer', name: 'Orders viewer', privileges: ['orders:read'] })
      .expect(201);
    ordersKey = (await t.http.post('/v1/products/orders/api-keys').set(admin).send({ name: 'orders' }).expect(201)).body.key;
    billingKey = (await t.http.post('/v1/products/billing/api-keys').set(admin).send({ name: 'billing' }).expect(201)).body.key;
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('subscribe and provisioning', () => {
    it('subscribes (201, final status active), stores the connection encrypted, never lists it', async () => {
      const res = await subscribe(owner.teamId, bearer(owner.token), { productCode: 'orders', plan: 'pro', seats: 5 }).expect(201);
      expect(res.body).toMatchObject({
        productCode: 'orders',
        plan: 'pro',
        seats: 5,
        status: 'active',
        failureReason: null,
        hasDbConnection: true,
      });

      const stored = await t.db.asPlatform(() =>
        t.db.queryOne<{ ciphertext: Buffer }>('SELECT ciphertext FROM aventian.team_db_connections WHERE team_id = $1', [owner.teamId]),
      );
      expect(stored!.ciphertext.toString('latin1')).not.toContain('postgres://');

      const list = await t.http.get(`/v1/teams/${owner.teamId}/subscriptions`).set(bearer(owner.token)).expect(200);
      expect(list.body.items).toHaveLength(1);
      expect(JSON.stringify(list.body)).not.toMatch(/postgres:|connectionString/);
    });

    it('instantiates each role template as a team role with the template privileges', async () => {
      const roles = await t.db.asPlatform(() =>
        t.db.query<{ code: string; template_id: string | null; privileges: string[] }>(
          `SELECT r.code, r.template_id, array_agg(p.code ORDER BY p.code) AS privileges
             FROM aventian.tbl_roles r
             JOIN aventian.tbl_role_privileges rp ON rp.role_id = r.id AND rp.team_id = r.team_id
             JOIN aventian.tbl_privileges p ON p.id = rp.privilege_id
            WHERE r.team_id = $1 GROUP BY r.id`,
          [owner.teamId],
        ),
      );
      expect(roles).toEqual([{ code: 'orders.viewer', template_id: expect.any(String), privileges: ['orders:read'] }]);
    });

    it('follows a template change in every subscribed team', async () => {
      await t.http
        .put('/v1/products/orders/role-templates/orders.viewer/privileges')
        .set(admin)
        .send({ privileges: ['orders:read', 'orders:write'] })
        .expect(200);
      const privileges = async () =>
        (
          await t.db.asPlatform(() =>
            t.db.query<{ code: string }>(
              `SELECT p.code FROM aventian.tbl_roles r JOIN aventian.tbl_role_privileges rp ON rp.role_id = r.id
               JOIN aventian.tbl_privileges p ON p.id = rp.privilege_id WHERE r.team_id = $1 ORDER BY p.code`,
              [owner.teamId],
            ),
          )
        ).map((r) => r.code);
      expect(await privileges()).toEqual(['orders:read', 'orders:write']);
      await t.http
        .put('/v1/products/orders/role-templates/orders.viewer/privileges')
        .set(admin)
        .send({ privileges: ['orders:read'] })
        .expect(200);
      expect(await privileges()).toEqual(['orders:read']);
      await t.http
        .put('/v1/products/orders/role-templates/orders.viewer/privileges')
        .set(admin)
        .send({ privileges: ['billing:read'] })
        .expect(422);
    });

    it('gives already subscribed teams the role of a template created later', async () => {
      await t.http
        .post('/v1/products/orders/role-templates')
        .set(admin)
        .send({ code: 'orders.editor', name: 'Orders editor', privileges: ['orders:write'] })
        .expect(201);
      const codes = (
        await t.db.asPlatform(() =>
          t.db.query<{ code: string }>('SELECT code FROM aventian.tbl_roles WHERE team_id = $1 ORDER BY code', [owner.teamId]),
        )
      ).map((r) => r.code);
      expect(codes).toEqual(['orders.editor', 'orders.viewer']);
    });

    it('refuses a second live subscription (409), a retired product (422), an unknown product (404)', async () => {
      const dup = await subscribe(owner.teamId, bearer(owner.token), { productCode: 'orders', plan: 'pro' }).expect(409);
      expect(dup.body.error).toBe('SUBSCRIPTION_EXISTS');
      await createProduct('old-product', 'example-provision.js');
      await t.http.patch('/v1/products/old-product').set(admin).send({ status: 'retired' }).expect(200);
      const retired = await subscribe(owner.teamId, bearer(owner.token), { productCode: 'old-product', plan: 'pro' }).expect(422);
      expect(retired.body.error).toBe('PRODUCT_RETIRED');
      await subscribe(owner.teamId, bearer(owner.token), { productCode: 'no-such-product', plan: 'pro' }).expect(404);
      await subscribe(owner.teamId, bearer(owner.token), { productCode: 'orders', plan: 'pro', seats: -1 }).expect(400);
    });

    it('needs team.subscriptions privileges: outsider 404, member without the privilege 403, platform admin passes', async () => {
      const outsider = await signUp(t, 'outsider');
      await t.http.get(`/v1/teams/${owner.teamId}/subscriptions`).set(bearer(outsider.token)).expect(404);
      const memberId = await addMember(t, owner.teamId, 'plain');
      const memberToken = await tokenFor(t, memberId, owner.teamId);
      await t.http.get(`/v1/teams/${owner.teamId}/subscriptions`).set(bearer(memberToken)).expect(403);
      await subscribe(owner.teamId, bearer(memberToken), { productCode: 'billing', plan: 'pro' }).expect(403);
      await t.http.get(`/v1/teams/${owner.teamId}/subscriptions`).set(admin).expect(200);
    });

    it('marks a failing script failed with a short sanitized reason (no script output anywhere), retry succeeds', async () => {
      await createProduct('flaky', 'example-provision-fail.js');
      const team = await signUp(t, 'flaky');
      const res = await subscribe(team.teamId, bearer(team.token), { productCode: 'flaky', plan: 'basic' }).expect(201);
      expect(res.body.status).toBe('failed');
      expect(res.body.failureReason).toBe('the provisioning script exited with code 1');
      const audit = await t.db.query<{ data: unknown }>(`SELECT data FROM aventian_audit.audit_events WHERE team_id = $1`, [team.teamId]);
      expect(JSON.stringify(audit)).not.toMatch(/SECRET-OUTPUT|hunter2/);

      // Not retryable while active; retry after the operator fixes the script.
      await t.http.patch('/v1/products/flaky').set(admin).send({ provisioningScript: 'example-provision.js' }).expect(200);
      const retried = await t.http.post(`/v1/teams/${team.teamId}/subscriptions/flaky/retry`).set(bearer(team.token)).expect(200);
      expect(retried.body).toMatchObject({ status: 'active', failureReason: null, hasDbConnection: true });
      const again = await t.http.post(`/v1/teams/${team.teamId}/subscriptions/flaky/retry`).set(bearer(team.token)).expect(422);
      expect(again.body.error).toBe('NOT_RETRYABLE');
    });

    it('kills a script that exceeds PROVISIONING_TIMEOUT_MS and marks the subscription failed', async () => {
      await createProduct('slowpoke', 'example-provision-slow.js');
      const team = await signUp(t, 'slow');
      const started = Date.now();
      const res = await subscribe(team.teamId, bearer(team.token), { productCode: 'slowpoke', plan: 'basic' }).expect(201);
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(res.body.status).toBe('failed');
      expect(res.body.failureReason).toBe('the provisioning script timed out after 4000 ms');
      const readable = await t.http.post('/v1/products/slowpoke/api-keys').set(admin).send({ name: 'k' }).expect(201);
      await readConnection(team.teamId, readable.body.key).expect(404);
    });

    it('runs the script with PATH only in its environment and the team id / product code as arguments', async () => {
      await createProduct('envcheck', 'example-provision-env.js');
      const team = await signUp(t, 'env');
      await subscribe(team.teamId, bearer(team.token), { productCode: 'envcheck', plan: 'basic' }).expect(201);
      const key = (await t.http.post('/v1/products/envcheck/api-keys').set(admin).send({ name: 'k' }).expect(201)).body.key;
      const conn = await readConnection(team.teamId, key).expect(200);
      expect(conn.body.connectionString).toBe('env:PATH');
    });
  });

  describe('product-facing connection read', () => {
    it('returns the calling product connection for an actively subscribed team and audits the read', async () => {
      const res = await readConnection(owner.teamId, ordersKey).expect(200);
      expect(res.body).toEqual({
        teamId: owner.teamId,
        productCode: 'orders',
        connectionString: expect.stringMatching(/^postgres:\/\/orders_/),
      });
      const events = await t.db.query<{ action: string; actor_type: string; data: Record<string, unknown> }>(
        `SELECT action, actor_type, data FROM aventian_audit.audit_events WHERE team_id = $1 AND action = 'db_connection.read'`,
        [owner.teamId],
      );
      expect(events.length).toBeGreaterThanOrEqual(1);
      expect(events[0].actor_type).toBe('product_key');
      expect(JSON.stringify(events)).not.toContain(res.body.connectionString);
    });

    it("isolates products: another product's key gets 404 (never the connection), users get 403", async () => {
      await readConnection(owner.teamId, billingKey).expect(404);
      await t.http.get(`/v1/teams/${owner.teamId}/db-connection`).set(bearer(owner.token)).expect(403);
      await t.http.get(`/v1/teams/${owner.teamId}/db-connection`).expect(401);
      await readConnection('0190f0f0-0000-7000-8000-000000000000', ordersKey).expect(404);
      await readConnection('not-a-uuid', ordersKey).expect(404);
    });

    it('lets the platform admin set/rotate the connection by hand (owner: 403)', async () => {
      await t.http
        .put(`/v1/teams/${owner.teamId}/subscriptions/orders/db-connection`)
        .set(bearer(owner.token))
        .send({ connectionString: 'postgres://x' })
        .expect(403);
      await t.http
        .put(`/v1/teams/${owner.teamId}/subscriptions/orders/db-connection`)
        .set(admin)
        .send({ connectionString: 'postgres://rotated:pw@db/orders' })
        .expect(204);
      expect((await readConnection(owner.teamId, ordersKey).expect(200)).body.connectionString).toBe('postgres://rotated:pw@db/orders');
      await t.http
        .put(`/v1/teams/${owner.teamId}/subscriptions/billing/db-connection`)
        .set(admin)
        .send({ connectionString: 'postgres://x' })
        .expect(404);
    });

    it('stops accepting a revoked key on the very next request', async () => {
      const k = (await t.http.post('/v1/products/orders/api-keys').set(admin).send({ name: 'temp' }).expect(201)).body;
      await readConnection(owner.teamId, k.key).expect(200);
      await t.http.delete(`/v1/products/orders/api-keys/${k.id}`).set(admin).expect(204);
      await readConnection(owner.teamId, k.key).expect(401);
      await readConnection(owner.teamId, ordersKey).expect(200);
    });
  });

  describe('seats', () => {
    let team: SignedUp;
    let members: string[];
    const grantRoute = (userId: string) =>
      t.http.post(`/v1/teams/${team.teamId}/members/${userId}/roles/orders.viewer`).set(bearer(team.token));

    beforeAll(async () => {
      team = await signUp(t, 'seats');
      await subscribe(team.teamId, bearer(team.token), { productCode: 'orders', plan: 'team', seats: 2 }).expect(201);
      members = [];
      for (let i = 0; i < 10; i++) members.push(await addMember(t, team.teamId, `m${i}`));
    });

    it('bounds members holding product roles through the grant route (422 SEATS_EXHAUSTED)', async () => {
      await grantRoute(members[0]).expect(201);
      await grantRoute(members[1]).expect(201);
      const res = await grantRoute(members[2]).expect(422);
      expect(res.body.error).toBe('SEATS_EXHAUSTED');
      const list = await t.http.get(`/v1/teams/${team.teamId}/subscriptions`).set(bearer(team.token)).expect(200);
      expect(list.body.items[0]).toMatchObject({ seats: 2, seatsUsed: 2 });
    });

    it('refuses lowering seats below usage (422), allows raising them', async () => {
      const res = await t.http
        .patch(`/v1/teams/${team.teamId}/subscriptions/orders`)
        .set(bearer(team.token))
        .send({ seats: 1 })
        .expect(422);
      expect(res.body.error).toBe('SEATS_EXHAUSTED');
      const ok = await t.http
        .patch(`/v1/teams/${team.teamId}/subscriptions/orders`)
        .set(bearer(team.token))
        .send({ seats: 5, plan: 'bigger' })
        .expect(200);
      expect(ok.body).toMatchObject({ seats: 5, plan: 'bigger', seatsUsed: 2 });
    });

    it('holds under concurrent grants straight into tbl_member_roles (the database enforces it)', async () => {
      const role = await t.db.asPlatform(() =>
        t.db.queryOne<{ id: string }>(`SELECT id FROM aventian.tbl_roles WHERE team_id = $1 AND code = 'orders.viewer'`, [team.teamId]),
      );
      const candidates = members.slice(2); // 8 members compete for the 3 free seats
      const results = await Promise.allSettled(
        candidates.map((userId) =>
          t.db.inTeam(team.teamId, async () => {
            await t.db.query('INSERT INTO aventian.tbl_member_roles (team_id, user_id, role_id) VALUES ($1, $2, $3)', [
              team.teamId,
              userId,
              role!.id,
            ]);
            await t.db.query('SELECT pg_sleep(0.05)'); // hold the transaction open so the grants really overlap
          }),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(rejected).toHaveLength(5);
      for (const r of rejected) expect(String(r.reason?.message ?? r.reason)).toContain('SEATS_EXHAUSTED');
      const used = await t.db.asPlatform(() =>
        t.db.queryOne<{ n: number }>(
          'SELECT aventian.product_seats_used($1, r.product_id) AS n FROM aventian.tbl_roles r WHERE r.id = $2',
          [team.teamId, role!.id],
        ),
      );
      expect(used!.n).toBe(5);
    });

    it('holds under concurrent grants through the route', async () => {
      await t.http.patch(`/v1/teams/${team.teamId}/subscriptions/orders`).set(bearer(team.token)).send({ seats: 7 }).expect(200);
      const holders = new Set(
        (
          await t.db.asPlatform(() =>
            t.db.query<{ user_id: string }>(
              `SELECT mr.user_id FROM aventian.tbl_member_roles mr JOIN aventian.tbl_roles r ON r.id = mr.role_id
              WHERE mr.team_id = $1 AND r.code = 'orders.viewer'`,
              [team.teamId],
            ),
          )
        ).map((r) => r.user_id),
      );
      expect(holders.size).toBe(5);
      const others = members.filter((m) => !holders.has(m)); // 5 members race for 2 free seats
      const statuses = await Promise.all(others.map(async (m) => (await grantRoute(m)).status));
      expect(statuses.filter((s) => s === 201)).toHaveLength(2);
      expect(statuses.filter((s) => s === 422)).toHaveLength(3);
      const list = await t.http.get(`/v1/teams/${team.teamId}/subscriptions`).set(bearer(team.token)).expect(200);
      expect(list.body.items[0].seatsUsed).toBe(7);
    });

    it('unlimited seats (null) lifts the bound', async () => {
      await t.http.patch(`/v1/teams/${team.teamId}/subscriptions/orders`).set(bearer(team.token)).send({ seats: null }).expect(200);
      for (const m of members) expect([201]).toContain((await grantRoute(m)).status);
    });
  });

  describe('cancel', () => {
    it('cancels (204): the connection is gone at once, audit recorded, a new subscription may follow', async () => {
      const team = await signUp(t, 'cancel');
      await subscribe(team.teamId, bearer(team.token), { productCode: 'orders', plan: 'pro' }).expect(201);
      await readConnection(team.teamId, ordersKey).expect(200);
      await t.http.delete(`/v1/teams/${team.teamId}/subscriptions/orders`).set(bearer(team.token)).expect(204);
      await readConnection(team.teamId, ordersKey).expect(404);
      await t.http.delete(`/v1/teams/${team.teamId}/subscriptions/orders`).set(bearer(team.token)).expect(404);
      const list = await t.http.get(`/v1/teams/${team.teamId}/subscriptions`).set(bearer(team.token)).expect(200);
      expect(list.body.items[0]).toMatchObject({ status: 'canceled', canceledAt: expect.any(String), hasDbConnection: false });
      const actions = (
        await t.db.query<{ action: string }>('SELECT action FROM aventian_audit.audit_events WHERE team_id = $1 ORDER BY seq', [
          team.teamId,
        ])
      ).map((e) => e.action);
      expect(actions).toEqual(
        expect.arrayContaining(['subscription.created', 'subscription.provisioned', 'db_connection.read', 'subscription.canceled']),
      );

      const again = await subscribe(team.teamId, bearer(team.token), { productCode: 'orders', plan: 'pro' }).expect(201);
      expect(again.body.status).toBe('active');
      await readConnection(team.teamId, ordersKey).expect(200);
    });

    it('deleting the team ends its subscriptions and destroys the stored connection', async () => {
      const team = await signUp(t, 'doomed');
      await subscribe(team.teamId, bearer(team.token), { productCode: 'orders', plan: 'pro' }).expect(201);
      await t.http
        .delete(`/v1/teams/${team.teamId}`)
        .set(bearer(team.token))
        .expect((r) => expect([200, 204]).toContain(r.status));
      await readConnection(team.teamId, ordersKey).expect(404);
      const left = await t.db.asPlatform(() => t.db.query('SELECT 1 FROM aventian.team_db_connections WHERE team_id = $1', [team.teamId]));
      expect(left).toHaveLength(0);
    });
  });
});
