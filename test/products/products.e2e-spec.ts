import type { TestApp } from '@avn/testing';
import { adminToken, bearer, signUp, startProductsApp } from './support/fixtures';

/** Master products, privileges, role templates and API key routes (platform admin). */
describe('master products API', () => {
  let t: TestApp;
  let admin: Record<string, string>;
  let user: Record<string, string>;

  const product = (code: string, extra: Record<string, unknown> = {}) => ({
    code,
    name: `Product ${code}`,
    provisioningScript: 'example-provision.js',
    dashboardUrl: 'https://dash.example.com',
    allowedResourceTypes: ['orders', 'invoices'],
    ...extra,
  });

  beforeAll(async () => {
    t = await startProductsApp();
    admin = bearer(await adminToken(t));
    user = bearer((await signUp(t, 'plain')).token);
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('POST /v1/products', () => {
    it('creates a product (201) and audits it', async () => {
      const res = await t.http.post('/v1/products').set(admin).send(product('orders')).expect(201);
      expect(res.body).toMatchObject({
        code: 'orders',
        name: 'Product orders',
        provisioningScript: 'example-provision.js',
        dashboardUrl: 'https://dash.example.com',
        allowedResourceTypes: ['orders', 'invoices'],
        status: 'active',
      });
      expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
      const events = await t.db.query<{ action: string }>(`SELECT action FROM aventian_audit.audit_events WHERE target_id = $1`, [
        res.body.id,
      ]);
      expect(events.map((e) => e.action)).toContain('product.created');
    });

    it('refuses a duplicate code with 409', async () => {
      const res = await t.http.post('/v1/products').set(admin).send(product('orders')).expect(409);
      expect(res.body.error).toBe('PRODUCT_CODE_TAKEN');
    });

    it('is platform admin only (403 for a user, 401 anonymous)', async () => {
      await t.http.post('/v1/products').set(user).send(product('nope')).expect(403);
      await t.http.post('/v1/products').send(product('nope')).expect(401);
    });

    it.each([
      ['a non-slug code', { code: 'Bad Code' }],
      ['an http dashboard on a public host', { dashboardUrl: 'http://dash.example.com' }],
      ['a javascript: dashboard', { dashboardUrl: 'javascript:alert(1)' }],
      ['credentials in the dashboard URL', { dashboardUrl: 'https://u:p@dash.example.com' }],
      ['an unknown field', { extra: true }],
      ['a bad resource type', { allowedResourceTypes: ['Bad Type'] }],
    ])('answers 400 for %s', async (_label, patch) => {
      const res = await t.http.post('/v1/products').set(admin).send(product('valid-code', patch)).expect(400);
      expect(res.body.error).toBe('VALIDATION_FAILED');
    });

    it('accepts http dashboards on localhost and 127.0.0.1', async () => {
      await t.http
        .post('/v1/products')
        .set(admin)
        .send(product('local-a', { dashboardUrl: 'http://localhost:8080/x' }))
        .expect(201);
      await t.http
        .post('/v1/products')
        .set(admin)
        .send(product('local-b', { dashboardUrl: 'http://127.0.0.1:3000' }))
        .expect(201);
    });

    it.each([
      ['a parent-directory escape', '../../etc/passwd'],
      ['a nested escape', 'sub/../../x.js'],
      ['an absolute path', '/bin/sh'],
      ['a missing file', 'does-not-exist.js'],
      ['a backslash path', '..\\x.js'],
    ])('answers 422 for a provisioning script that is %s', async (_label, script) => {
      const res = await t.http
        .post('/v1/products')
        .set(admin)
        .send(product('script-test', { provisioningScript: script }))
        .expect(422);
      expect(['INVALID_PROVISIONING_SCRIPT', 'PROVISIONING_SCRIPT_NOT_FOUND']).toContain(res.body.error);
    });
  });

  describe('GET / PATCH', () => {
    beforeAll(async () => {
      await t.http.post('/v1/products').set(admin).send(product('retiring')).expect(201);
      await t.http.patch('/v1/products/retiring').set(admin).send({ status: 'retired' }).expect(200);
    });

    it('lists active products to any signed-in user, retired ones to platform admins only', async () => {
      const forUser = await t.http.get('/v1/products').set(user).expect(200);
      const codes = forUser.body.items.map((p: { code: string }) => p.code);
      expect(codes).toContain('orders');
      expect(codes).not.toContain('retiring');
      const forAdmin = await t.http.get('/v1/products').set(admin).expect(200);
      expect(forAdmin.body.items.map((p: { code: string }) => p.code)).toContain('retiring');
      await t.http.get('/v1/products').expect(401);
      // The provisioning script (a server-side path) is for platform admins only.
      for (const item of forUser.body.items) expect(item).not.toHaveProperty('provisioningScript');
      const orders = forAdmin.body.items.find((p: { code: string }) => p.code === 'orders');
      expect(orders.provisioningScript).toBe('example-provision.js');
    });

    it('pages the list with a cursor', async () => {
      const first = await t.http.get('/v1/products?limit=2').set(admin).expect(200);
      expect(first.body.items).toHaveLength(2);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const second = await t.http.get(`/v1/products?limit=2&cursor=${first.body.nextCursor}`).set(admin).expect(200);
      expect(second.body.items[0].code > first.body.items[1].code).toBe(true);
    });

    it('gets one product (admin), 404 for an unknown one, 403 for a user', async () => {
      await t.http.get('/v1/products/orders').set(admin).expect(200);
      await t.http.get('/v1/products/unknown-product').set(admin).expect(404);
      await t.http.get('/v1/products/orders').set(user).expect(403);
    });

    it('patches name/status/dashboard, refuses the immutable code (400)', async () => {
      const res = await t.http
        .patch('/v1/products/local-a')
        .set(admin)
        .send({ name: 'Renamed', dashboardUrl: 'https://new.example.com' })
        .expect(200);
      expect(res.body).toMatchObject({ code: 'local-a', name: 'Renamed', dashboardUrl: 'https://new.example.com' });
      const refused = await t.http.patch('/v1/products/local-a').set(admin).send({ code: 'other' }).expect(400);
      expect(JSON.stringify(refused.body.details)).toContain('code');
      await t.http.patch('/v1/products/local-a').set(admin).send({ status: 'deleted' }).expect(400);
      await t.http.patch('/v1/products/local-a').set(admin).send({ provisioningScript: '../x' }).expect(422);
    });
  });

  describe('privileges', () => {
    it('creates <resourceType>:<action> (201), 422 for a resource type not allowed, 409 duplicate', async () => {
      const res = await t.http
        .post('/v1/products/orders/privileges')
        .set(admin)
        .send({ resourceType: 'orders', action: 'read', description: 'Read orders' })
        .expect(201);
      expect(res.body).toMatchObject({ code: 'orders:read', resourceType: 'orders', action: 'read', description: 'Read orders' });
      await t.http.post('/v1/products/orders/privileges').set(admin).send({ resourceType: 'orders', action: 'write' }).expect(201);
      const bad = await t.http
        .post('/v1/products/orders/privileges')
        .set(admin)
        .send({ resourceType: 'payroll', action: 'read' })
        .expect(422);
      expect(bad.body.error).toBe('RESOURCE_TYPE_NOT_ALLOWED');
      const dup = await t.http
        .post('/v1/products/orders/privileges')
        .set(admin)
        .send({ resourceType: 'orders', action: 'read' })
        .expect(409);
      expect(dup.body.error).toBe('PRIVILEGE_EXISTS');
      await t.http.post('/v1/products/orders/privileges').set(user).send({ resourceType: 'orders', action: 'x' }).expect(403);
    });

    it('lists them to the platform admin and to the product own key only', async () => {
      const list = await t.http.get('/v1/products/orders/privileges').set(admin).expect(200);
      expect(list.body.items.map((p: { code: string }) => p.code)).toEqual(['orders:read', 'orders:write']);
      const own = await t.http.post('/v1/products/orders/api-keys').set(admin).send({ name: 'orders backend' }).expect(201);
      const other = await t.http.post('/v1/products/local-b/api-keys').set(admin).send({ name: 'other backend' }).expect(201);
      const byKey = await t.http.get('/v1/products/orders/privileges').set(bearer(own.body.key)).expect(200);
      expect(byKey.body.items).toHaveLength(2);
      await t.http.get('/v1/products/orders/privileges').set(bearer(other.body.key)).expect(404);
      await t.http.get('/v1/products/orders/privileges').set(user).expect(403);
    });

    it('refuses to drop an allowed resource type still used by privileges (422)', async () => {
      const res = await t.http
        .patch('/v1/products/orders')
        .set(admin)
        .send({ allowedResourceTypes: ['invoices'] })
        .expect(422);
      expect(res.body.error).toBe('RESOURCE_TYPE_IN_USE');
    });
  });

  describe('role templates', () => {
    it('creates a template with the product privileges (201), 422 for foreign/unknown ones, 409 duplicate', async () => {
      const res = await t.http
        .post('/v1/products/orders/role-templates')
        .set(admin)
        .send({ code: 'orders.admin', name: 'Orders admin', privileges: ['orders:write', 'orders:read'] })
        .expect(201);
      expect(res.body).toMatchObject({
        code: 'orders.admin',
        name: 'Orders admin',
        system: false,
        privileges: ['orders:read', 'orders:write'],
      });
      const foreign = await t.http
        .post('/v1/products/orders/role-templates')
        .set(admin)
        .send({ code: 'orders.bad', name: 'Bad', privileges: ['team:read'] })
        .expect(422);
      expect(foreign.body.error).toBe('UNKNOWN_PRIVILEGE');
      await t.http
        .post('/v1/products/orders/role-templates')
        .set(admin)
        .send({ code: 'orders.admin', name: 'Again', privileges: [] })
        .expect(409);
      const list = await t.http.get('/v1/products/orders/role-templates').set(admin).expect(200);
      expect(list.body.items.map((r: { code: string }) => r.code)).toEqual(['orders.admin']);
    });
  });

  describe('API keys', () => {
    it('creates (key shown once), lists without secrets, revokes effective on the next request', async () => {
      const a = await t.http.post('/v1/products/local-a/api-keys').set(admin).send({ name: 'a' }).expect(201);
      const b = await t.http.post('/v1/products/local-a/api-keys').set(admin).send({ name: 'b' }).expect(201);
      expect(a.body).toEqual({
        id: expect.any(String),
        name: 'a',
        prefix: expect.stringMatching(/^avn_pk_/),
        key: expect.stringMatching(/^avn_pk_/),
      });
      const list = await t.http.get('/v1/products/local-a/api-keys').set(admin).expect(200);
      expect(list.body.items).toHaveLength(2);
      expect(JSON.stringify(list.body)).not.toContain(a.body.key);
      expect(list.body.items[0]).toEqual({
        id: a.body.id,
        name: 'a',
        prefix: a.body.prefix,
        lastUsedAt: null,
        revokedAt: null,
        createdAt: expect.any(String),
      });

      await t.http.get('/v1/products/local-a/privileges').set(bearer(a.body.key)).expect(200);
      await t.http.delete(`/v1/products/local-a/api-keys/${a.body.id}`).set(admin).expect(204);
      await t.http.get('/v1/products/local-a/privileges').set(bearer(a.body.key)).expect(401);
      await t.http.get('/v1/products/local-a/privileges').set(bearer(b.body.key)).expect(200);

      const after = await t.http.get('/v1/products/local-a/api-keys').set(admin).expect(200);
      expect(after.body.items.find((k: { id: string }) => k.id === a.body.id).revokedAt).toEqual(expect.any(String));
      // Another product's key id, and unknown ids, are 404.
      await t.http.delete(`/v1/products/orders/api-keys/${b.body.id}`).set(admin).expect(404);
      await t.http.delete('/v1/products/local-a/api-keys/not-a-uuid').set(admin).expect(404);
    });

    it('product keys cannot call management routes', async () => {
      const k = await t.http.post('/v1/products/local-b/api-keys').set(admin).send({ name: 'x' }).expect(201);
      await t.http.get('/v1/products/local-b/api-keys').set(bearer(k.body.key)).expect(403);
      await t.http.post('/v1/products').set(bearer(k.body.key)).send(product('via-key')).expect(403);
    });
  });
});
