import { rmSync } from 'node:fs';
import type { ServiceError } from '@grpc/grpc-js';
import { createTestDatabase, deploymentKeyFile, startTestApp, TcpProxy, TestApp, TestDatabase } from '@avn/testing';
import { freshIp, PASSWORD, signup, SignedUp, uniqueEmail } from '../identity/helpers';
import { DetailsFixture, grpcClient } from '../user-details/fixture';

/**
 * PostgreSQL unreachable (the network to it cut by a TCP proxy; the shared server is untouched):
 * every route that needs it answers 503 DEPENDENCY_UNAVAILABLE naming the database, with
 * Retry-After, and everything works again once it is back, without a restart.
 */
describe('database outage', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let t: TestApp;
  let user: SignedUp;
  let productKey: string;
  let cachedUser: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    proxy = await TcpProxy.start(Number(new URL(database.url).port || 5432));
    const url = new URL(database.url);
    url.port = String(proxy.port);
    t = await startTestApp({ database: { ...database, url: url.toString() }, env: { TRUST_PROXY: 'true' } });
    user = await signup(t, 'outage');
    const f = new DetailsFixture(t);
    const product = await f.product('outage', ['orders:read']);
    productKey = product.key;
    await f.sql(`INSERT INTO aventian.tbl_team_product_assoc (team_id, product_id, plan, status) VALUES ($1, $2, 'pro', 'active')`, [
      user.teamId,
      product.id,
    ]);
    cachedUser = user.userId;
    // Read twice: the first read records dependencies, the second is served from the cache.
    for (let i = 0; i < 2; i++) await details(cachedUser).expect(200);
  });

  afterAll(async () => {
    await t?.close();
    await proxy?.close();
    await database?.drop();
    if (database) rmSync(deploymentKeyFile(database), { force: true });
  });

  const details = (userId: string) => t.http.get(`/v1/users/${userId}/details`).set('authorization', `Bearer ${productKey}`);

  function expectDatabase503(res: { status: number; headers: Record<string, string>; body: Record<string, unknown> }): void {
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({
      statusCode: 503,
      error: 'DEPENDENCY_UNAVAILABLE',
      requestId: expect.any(String),
      details: [expect.objectContaining({ dependency: 'database' })],
    });
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(JSON.stringify(res.body)).not.toMatch(/ECONN|127\.0\.0\.1|terminated|postgres/i);
  }

  it('answers 503 naming the database on every route that needs it, then recovers without a restart', async () => {
    const auth = user.auth;
    const missUser = (await signup(t, 'never-read')).userId;
    proxy.cut();

    expectDatabase503(
      await t.http.post('/v1/auth/login').set('X-Forwarded-For', freshIp()).send({ email: user.email, password: PASSWORD }),
    );
    expectDatabase503(await t.http.get('/v1/me').set(auth));
    expectDatabase503(await t.http.get('/v1/teams').set(auth));
    expectDatabase503(await t.http.get(`/v1/teams/${user.teamId}/members`).set(auth));
    expectDatabase503(
      await t.http
        .post('/v1/auth/signup')
        .set('X-Forwarded-For', freshIp())
        .send({ email: uniqueEmail('down'), password: PASSWORD, displayName: 'Down', teamName: 'Down team' }),
    );
    expectDatabase503(await t.http.get(`/v1/teams/${user.teamId}/db-connection`).set('authorization', `Bearer ${productKey}`));
    expectDatabase503(await details(missUser)); // a GetUserDetails miss needs PostgreSQL

    const grpc = grpcClient(t.api.grpc.port!);
    try {
      const error = (await grpc.getUserDetails({ userId: missUser }, productKey).catch((e: unknown) => e)) as ServiceError;
      expect(error.code).toBe(14); // UNAVAILABLE: clients retry it
      expect(error.metadata.get('error-code')).toEqual(['DEPENDENCY_UNAVAILABLE']);
    } finally {
      grpc.close();
    }
    await t.http.get('/health/live').expect(200);
    const ready = await t.http.get('/health/ready').expect(503);
    expect(ready.body).toMatchObject({
      error: 'NOT_READY',
      database: 'down',
      details: [{ dependency: 'database', message: 'database unreachable' }],
    });
    await details(cachedUser).expect(200); // a GetUserDetails hit needs only the cache

    proxy.restore();
    await eventually(async () => (await t.http.get('/health/ready')).status === 200);
    await t.http.post('/v1/auth/login').set('X-Forwarded-For', freshIp()).send({ email: user.email, password: PASSWORD }).expect(200);
    await t.http.get('/v1/me').set(auth).expect(200);
    await t.http.get('/v1/teams').set(auth).expect(200);
    await details(missUser).expect(200);
    await t.http.get(`/v1/teams/${user.teamId}/db-connection`).set('authorization', `Bearer ${productKey}`).expect(404); // none set
  });
});

async function eventually(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('condition not met in time');
}
