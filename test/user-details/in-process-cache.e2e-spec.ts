import { startTestApp, TestApp } from '@avn/testing';
import { DetailsFixture, grpcClient } from './fixture';

/**
 * The in-process cache (embedded default, no REDIS_URL): same answers, same invalidation semantics.
 * Runs on PostgreSQL: PGlite cannot start inside Jest here (its dynamic import needs
 * --experimental-vm-modules; the foundation's embedded suite fails the same way).
 */
describe('GetUserDetails (in-process cache)', () => {
  let t: TestApp;
  let f: DetailsFixture;

  beforeAll(async () => {
    t = await startTestApp({ env: { REDIS_URL: '' } });
    f = new DetailsFixture(t);
  });
  afterAll(async () => t?.close());

  it('answers from the in-process cache and reflects a revoke at once', async () => {
    expect(t.cache.kind).toBe('memory');
    const orders = await f.product('orders', ['orders:read', 'orders:write']);
    const team = await f.team('Acme', [{ productId: orders.id }]);
    await f.role(team, 'writer', ['orders:write', 'orders:read']);
    const ada = await f.user('ada@example.com');
    await f.member(team, ada, ['team_owner', 'writer']);
    const get = () => t.http.get(`/v1/users/${ada}/details`).set('authorization', `Bearer ${orders.key}`).expect(200);

    for (let i = 0; i < 3; i++) {
      const res = await get();
      expect(res.body.teams[0].privileges).toEqual(['orders:read', 'orders:write']);
      expect(res.body.teams[0].roles[0]).toEqual({ code: 'team_owner', name: 'Team owner', system: true });
    }
    const hits = Number(/avn_cache_reads_total\{result="hit"\} (\d+)/.exec((await t.http.get('/metrics')).text)?.[1] ?? 0);
    expect(hits).toBeGreaterThan(0);

    await f.revokeRole(t, team, ada, 'writer');
    expect((await get()).body.teams[0].privileges).toEqual([]);

    const client = grpcClient(await t.api.grpc.whenListening());
    try {
      expect(await client.getUserDetails({ userId: ada }, orders.key)).toEqual((await get()).body);
    } finally {
      client.close();
    }
  });
});
