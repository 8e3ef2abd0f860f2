import type { TestApp } from '@avn/testing';
import { addMember, adminToken, bearer, signUp, startProductsApp } from './support/fixtures';

/** The same product flow on the embedded default (PGlite + in-process cache): migrations, triggers, RLS, crypto. */
describe('products on the embedded database', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startProductsApp({ mode: 'embedded' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('creates a product, subscribes with provisioning, enforces seats and serves the connection to its key', async () => {
    const admin = bearer(await adminToken(t));
    await t.http
      .post('/v1/products')
      .set(admin)
      .send({
        code: 'emb',
        name: 'Embedded',
        provisioningScript: 'example-provision.js',
        dashboardUrl: 'http://localhost:1',
        allowedResourceTypes: ['emb'],
      })
      .expect(201);
    await t.http.post('/v1/products/emb/privileges').set(admin).send({ resourceType: 'emb', action: 'use' }).expect(201);
    await t.http
      .post('/v1/products/emb/role-templates')
      .set(admin)
      .send({ code: 'emb.user', name: 'User', privileges: ['emb:use'] })
      .expect(201);
    const key = (await t.http.post('/v1/products/emb/api-keys').set(admin).send({ name: 'k' }).expect(201)).body;

    const owner = await signUp(t, 'emb');
    const sub = await t.http
      .post(`/v1/teams/${owner.teamId}/subscriptions`)
      .set(bearer(owner.token))
      .send({ productCode: 'emb', plan: 'p', seats: 1 })
      .expect(201);
    expect(sub.body.status).toBe('active');
    const conn = await t.http.get(`/v1/teams/${owner.teamId}/db-connection`).set(bearer(key.key)).expect(200);
    expect(conn.body.connectionString).toMatch(/^postgres:\/\/emb_/);

    const [m1, m2] = [await addMember(t, owner.teamId, 'e1'), await addMember(t, owner.teamId, 'e2')];
    await t.http.post(`/v1/teams/${owner.teamId}/members/${m1}/roles/emb.user`).set(bearer(owner.token)).expect(201);
    const full = await t.http.post(`/v1/teams/${owner.teamId}/members/${m2}/roles/emb.user`).set(bearer(owner.token)).expect(422);
    expect(full.body.error).toBe('SEATS_EXHAUSTED');

    await t.http.delete(`/v1/products/emb/api-keys/${key.id}`).set(admin).expect(204);
    await t.http.get(`/v1/teams/${owner.teamId}/db-connection`).set(bearer(key.key)).expect(401);
  });
});
