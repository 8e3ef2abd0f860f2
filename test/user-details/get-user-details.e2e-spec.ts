import * as grpc from '@grpc/grpc-js';
import { CacheKeys } from '@avn/cache';
import { DatabaseService } from '@avn/database';
import { ProductsService } from '@avn/products';
import { VersionedEntries } from '@avn/user-details';
import { UserDetailsRepository } from '../../libs/user-details/src/user-details.repository';
import { startTestApp, TestApp } from '@avn/testing';
import { DetailsFixture, grpcClient, GrpcDirectoryClient } from './fixture';

/** GetUserDetails semantics over REST and gRPC (shape, filtering, auth, errors). */
describe('GetUserDetails', () => {
  let t: TestApp;
  let f: DetailsFixture;
  let grpcDir: GrpcDirectoryClient;
  let orders: { id: string; code: string; key: string; keyId: string };
  let billing: { id: string; code: string; key: string; keyId: string };
  let ada: string;
  let acme: string;
  let globex: string;
  let initech: string;

  beforeAll(async () => {
    t = await startTestApp();
    f = new DetailsFixture(t);
    orders = await f.product('orders', ['orders:read', 'orders:write', 'orders:delete', 'invoices:read']);
    billing = await f.product('billing', ['billing:read', 'billing:write']);
    ada = await f.user('ada@example.com');
    // acme: orders + billing; globex: billing only; initech: orders but the subscription was canceled.
    acme = await f.team('Acme', [
      { productId: orders.id, plan: 'pro' },
      { productId: billing.id, plan: 'basic' },
    ]);
    globex = await f.team('Globex', [{ productId: billing.id }]);
    initech = await f.team('Initech', [{ productId: orders.id, status: 'canceled' }]);
    await f.role(acme, 'orders.admin', ['orders:write', 'orders:read', 'billing:read', 'team:read'], orders.id);
    await f.role(acme, 'viewer', ['invoices:read', 'orders:read']);
    await f.role(acme, 'billing.admin', ['billing:write'], billing.id);
    await f.role(globex, 'billing.admin', ['billing:read', 'billing:write'], billing.id);
    await f.role(initech, 'viewer', ['orders:read']);
    await f.member(acme, ada, ['team_owner', 'orders.admin', 'viewer', 'billing.admin']);
    await f.member(globex, ada, ['billing.admin']);
    await f.member(initech, ada, ['viewer']);
    grpcDir = grpcClient(await t.api.grpc.whenListening());
  });

  afterAll(async () => {
    grpcDir?.close();
    await t?.close();
  });

  const details = (userId: string, key: string, query = '') =>
    t.http.get(`/v1/users/${userId}/details${query}`).set('authorization', `Bearer ${key}`);

  it('answers teams subscribed to the calling product, with that product privileges only (sorted) and system roles', async () => {
    const res = await details(ada, orders.key).expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual({
      user: { id: ada, email: 'ada@example.com', displayName: 'ada', status: 'active' },
      product: 'orders',
      teams: [
        {
          teamId: acme,
          teamName: 'Acme',
          subscription: { plan: 'pro', status: 'active' },
          // billing.admin is a role of another product: not shown to orders.
          roles: [
            { code: 'team_owner', name: 'Team owner', system: true },
            { code: 'orders.admin', name: 'Role orders.admin', system: false },
            { code: 'viewer', name: 'Role viewer', system: false },
          ],
          privileges: ['invoices:read', 'orders:read', 'orders:write'],
        },
      ],
    });
  });

  it('shows product B nothing of teams subscribed only to product A', async () => {
    const res = await details(ada, billing.key).expect(200);
    expect(res.body.product).toBe('billing');
    expect(res.body.teams.map((x: { teamName: string }) => x.teamName)).toEqual(['Acme', 'Globex']);
    const acmeTeam = res.body.teams[0];
    // billing:read comes only through orders.admin, a role of another product: not counted.
    expect(acmeTeam.privileges).toEqual(['billing:write']);
    expect(acmeTeam.roles.map((r: { code: string }) => r.code)).toEqual(['team_owner', 'billing.admin', 'viewer']);
    expect(acmeTeam.subscription).toEqual({ plan: 'basic', status: 'active' });
    // Serving orders from cache never leaks into billing's answer (entries are per product).
    expect(JSON.stringify(res.body)).not.toContain('orders:');
  });

  it('filters to one team with ?teamId=', async () => {
    const one = await details(ada, billing.key, `?teamId=${globex}`).expect(200);
    expect(one.body.teams.map((x: { teamId: string }) => x.teamId)).toEqual([globex]);
    const none = await details(ada, orders.key, `?teamId=${globex}`).expect(200);
    expect(none.body.teams).toEqual([]);
  });

  it('rejects bad ids and unknown query fields with 400', async () => {
    await details('not-a-uuid', orders.key).expect(400);
    await details(ada, orders.key, '?teamId=nope').expect(400);
    const res = await details(ada, orders.key, '?foo=1').expect(400);
    expect(res.body.error).toBe('VALIDATION_FAILED');
  });

  it('answers misses arriving together (read by one statement) each with its own user, unknown ones 404', async () => {
    const users = await Promise.all(Array.from({ length: 12 }, (_, i) => f.user(`burst${i}@example.com`)));
    await Promise.all(users.map((u, i) => f.member(acme, u, i % 2 ? ['viewer'] : ['orders.admin'])));
    const unknown = '0190f2a4-0000-7000-8000-00000000abcd';
    const answers = await Promise.all([...users, unknown, users[0]].map((u) => details(u, orders.key)));
    users.forEach((u, i) => {
      expect(answers[i].status).toBe(200);
      expect(answers[i].body.user.id).toBe(u);
      expect(answers[i].body.teams[0].privileges).toEqual(i % 2 ? ['invoices:read', 'orders:read'] : ['orders:read', 'orders:write']);
    });
    expect(answers[12].status).toBe(404);
    expect(answers[13].body).toEqual(answers[0].body); // the same user twice in one burst
  });

  it('reads the misses of one event-loop turn with one statement per product', async () => {
    const db = t.api.app.get(DatabaseService);
    const repository = t.api.app.get(UserDetailsRepository);
    const spy = jest.spyOn(db, 'queryPrepared');
    try {
      const rows = await Promise.all([
        repository.load(ada, orders.id),
        repository.load(ada, billing.id),
        repository.load('0190f2a4-0000-7000-8000-00000000abce', orders.id),
        repository.load(ada, orders.id),
      ]);
      expect(spy).toHaveBeenCalledTimes(2); // orders (three loads, two distinct users) and billing
      expect(JSON.parse(rows[0]!.details).product).toBe('orders');
      expect(JSON.parse(rows[1]!.details).product).toBe('billing');
      expect(rows[2]).toBeUndefined();
      expect(rows[3]).toEqual(rows[0]);
    } finally {
      spy.mockRestore();
    }
  });

  it('lists as cache dependencies every live team of the user and each role feeding the answer once', async () => {
    const repository = t.api.app.get(UserDetailsRepository);
    const roleIds = async (team: string, codes: string[]) =>
      (
        await f.sql<{ id: string }>(
          `SELECT id FROM aventian.tbl_roles WHERE (team_id = $1 OR team_id IS NULL) AND code = ANY($2::text[])`,
          [team, codes],
        )
      ).map((r) => r.id);
    const sorted = (ids: string[]) => [...ids].sort();
    const forBilling = (await repository.load(ada, billing.id))!;
    // Initech's subscription is to orders (and canceled): still a dependency, as a membership.
    expect(sorted(forBilling.teamIds)).toEqual(sorted([acme, globex, initech]));
    // team_owner (a role without a team) is held in Acme and Globex: listed once.
    const expectedRoles = new Set([
      ...(await roleIds(acme, ['team_owner', 'billing.admin', 'viewer'])),
      ...(await roleIds(globex, ['billing.admin'])),
    ]);
    expect(sorted(forBilling.roleIds)).toEqual(sorted([...expectedRoles]));
    // A disabled user keeps the membership dependency and feeds no roles.
    const off = await f.user('off@example.com', 'disabled');
    await f.member(acme, off, ['viewer']);
    expect(await repository.load(off, orders.id)).toMatchObject({ teamIds: [acme], roleIds: [] });
  });

  it("stores a first read's dependencies without the body, pre-reads exactly them next time with one counter read, then serves it", async () => {
    const user = await f.user('first-read@example.com');
    await f.member(acme, user, ['viewer']);
    const entryKey = CacheKeys.userDetails(user, orders.id);
    const entryBody = async (untilNonEmpty: boolean) => {
      // The entry is written after the answer is sent (not awaited): wait for it.
      for (let i = 0; i < 100; i++) {
        const entry = await t.cache.get(entryKey);
        if (entry !== null && (!untilNonEmpty || !entry.endsWith('\n'))) return entry.slice(entry.indexOf('\n') + 1);
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`no entry ${entryKey}`);
    };
    const entries = t.api.app.get(VersionedEntries);
    const readVersioned = jest.spyOn(entries, 'readVersioned');
    const readCounters = jest.spyOn(entries, 'readCounters');
    const load = jest.spyOn(t.api.app.get(UserDetailsRepository), 'load');
    try {
      const answer = (await details(user, orders.key).expect(200)).text;
      // The team and role were found by the SQL, with no version read before it: never servable.
      expect(await entryBody(false)).toBe('');
      expect(readVersioned).toHaveBeenCalledTimes(1);

      readVersioned.mockClear();
      readCounters.mockClear();
      expect((await details(user, orders.key).expect(200)).text).toBe(answer);
      expect(readVersioned).not.toHaveBeenCalled();
      const [viewer] = (
        await f.sql<{ id: string }>(`SELECT id FROM aventian.tbl_roles WHERE team_id = $1 AND code = 'viewer'`, [acme])
      ).map((r) => r.id);
      expect(readCounters.mock.calls.map(([counters]) => [...counters])).toEqual([
        expect.arrayContaining([CacheKeys.userVersion(user), CacheKeys.teamVersion(acme), CacheKeys.roleVersion(viewer)]),
      ]);
      expect(await entryBody(true)).toBe(answer);
      expect(load).toHaveBeenCalledTimes(2);

      expect((await details(user, orders.key).expect(200)).text).toBe(answer);
      expect(load).toHaveBeenCalledTimes(2); // served from the copy, no SQL
    } finally {
      readVersioned.mockRestore();
      readCounters.mockRestore();
      load.mockRestore();
    }
  });

  it('keeps at most half the pool busy with misses; the rest waits and is then read in full statements', async () => {
    const db = t.api.app.get(DatabaseService);
    const repository = t.api.app.get(UserDetailsRepository);
    const original = db.queryPrepared.bind(db);
    let running = 0;
    let peak = 0;
    const sizes: number[] = [];
    const spy = jest.spyOn(db, 'queryPrepared').mockImplementation(async (name, sql, params) => {
      running++;
      peak = Math.max(peak, running);
      sizes.push((params[0] as string[]).length);
      try {
        return await original(name, sql, params);
      } finally {
        running--;
      }
    });
    try {
      const unknown = (i: number) => `0190f2a4-0000-7000-8000-${String(i).padStart(12, '0')}`;
      const ids = Array.from({ length: 150 }, (_, i) => (i % 10 === 0 ? ada : unknown(i)));
      const rows = await Promise.all(ids.map((id) => repository.load(id, orders.id)));
      rows.forEach((row, i) => (ids[i] === ada ? expect(JSON.parse(row!.details).user.id).toBe(ada) : expect(row).toBeUndefined()));
      expect(peak).toBeLessThanOrEqual(Math.floor(t.config.DATABASE_POOL_MAX / 2));
      expect(Math.max(...sizes)).toBeLessThanOrEqual(16);
      expect(sizes.length).toBeLessThan(150 / 4); // batched, not one statement per load
    } finally {
      spy.mockRestore();
    }
  });

  it('reads privilege codes from the mapping rows, which the database fills; privileges keep code and product', async () => {
    const rows = await f.sql<{ mismatches: string }>(
      `SELECT count(*)::text AS mismatches FROM aventian.tbl_role_privileges rp JOIN aventian.tbl_privileges p ON p.id = rp.privilege_id
        WHERE rp.privilege_code IS DISTINCT FROM p.code OR rp.product_id IS DISTINCT FROM p.product_id`,
    );
    expect(rows[0].mismatches).toBe('0');
    const forged = await f.sql<{ privilege_code: string }>(
      `UPDATE aventian.tbl_role_privileges SET privilege_code = 'orders:delete' WHERE privilege_code = 'orders:read' RETURNING privilege_code`,
    );
    expect(forged.length).toBeGreaterThan(0);
    expect(forged.map((r) => r.privilege_code)).toEqual(forged.map(() => 'orders:read')); // refilled by the trigger
    await expect(
      f.sql(`UPDATE aventian.tbl_privileges SET code = 'orders:erase', action = 'erase' WHERE code = 'orders:delete'`),
    ).rejects.toMatchObject({
      code: 'AV422',
    });
  });

  it('is served with the API edge: security headers, request id, no-store, HEAD, latency metrics', async () => {
    const res = await details(ada, orders.key).set('x-request-id', 'lane-check-1').expect(200);
    expect(res.headers['x-request-id']).toBe('lane-check-1');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['cache-control']).toBe('no-store');
    const head = await t.http.head(`/v1/users/${ada}/details`).set('authorization', `Bearer ${orders.key}`).expect(200);
    expect(head.text ?? '').toBe('');
    const metrics = await t.http.get('/metrics').expect(200);
    expect(metrics.text).toMatch(
      /avn_http_request_duration_seconds_count\{method="GET",route="\/v1\/users\/:userId\/details",status="200"\} [1-9]/,
    );
  });

  it('leaves URLs that are not exactly the route to the rest of the API (contract 404/405 shapes)', async () => {
    const trailing = await details(ada, orders.key, '/').expect(404);
    expect(trailing.body).toMatchObject({ statusCode: 404, requestId: expect.any(String) });
    const post = await t.http.post(`/v1/users/${ada}/details`).set('authorization', `Bearer ${orders.key}`).send({});
    expect([404, 405]).toContain(post.status);
    expect(post.body.requestId).toEqual(expect.any(String));
  });

  it('answers 404 for an unknown user', async () => {
    const res = await details('0190f2a4-0000-7000-8000-000000000000', orders.key).expect(404);
    expect(res.body.error).toBe('NOT_FOUND');
  });

  it('answers a disabled user with status disabled and no teams', async () => {
    const bob = await f.user('bob@example.com', 'disabled');
    await f.member(acme, bob, ['orders.admin']);
    const res = await details(bob, orders.key).expect(200);
    expect(res.body.user.status).toBe('disabled');
    expect(res.body.teams).toEqual([]);
  });

  it('answers 401 without a key or with an unknown or revoked key, 403 for a user token', async () => {
    await t.http.get(`/v1/users/${ada}/details`).expect(401);
    await details(ada, 'avn_pk_' + 'x'.repeat(43)).expect(401);
    const extra = await t.api.app.get(ProductsService).createApiKey('orders', 'temporary', null);
    await details(ada, extra.key).expect(200);
    await t.api.app.get(ProductsService).revokeApiKey('orders', extra.id);
    await details(ada, extra.key).expect(401);

    const token = await userAccessToken(t, ada, acme);
    if (token) {
      const res = await details(ada, token).expect(403);
      expect(res.body.error).toBe('FORBIDDEN');
    }
  });

  it('serves the same answer over gRPC as over REST', async () => {
    for (const [key, teamId] of [
      [orders.key, undefined],
      [billing.key, undefined],
      [billing.key, globex],
    ] as const) {
      const rest = await details(ada, key, teamId ? `?teamId=${teamId}` : '').expect(200);
      const viaGrpc = await grpcDir.getUserDetails({ userId: ada, teamId }, key);
      expect(viaGrpc).toEqual(rest.body);
    }
  });

  it('maps gRPC errors to UNAUTHENTICATED, NOT_FOUND and INVALID_ARGUMENT', async () => {
    await expect(grpcDir.getUserDetails({ userId: ada })).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    await expect(grpcDir.getUserDetails({ userId: ada }, 'avn_pk_' + 'y'.repeat(43))).rejects.toMatchObject({
      code: grpc.status.UNAUTHENTICATED,
    });
    await expect(grpcDir.getUserDetails({ userId: '0190f2a4-0000-7000-8000-000000000000' }, orders.key)).rejects.toMatchObject({
      code: grpc.status.NOT_FOUND,
    });
    await expect(grpcDir.getUserDetails({ userId: 'nope' }, orders.key)).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
  });

  it('is listed in the OpenAPI document', async () => {
    const res = await t.http.get('/docs-json').expect(200);
    expect(res.body.paths['/v1/users/{userId}/details']).toBeDefined();
  });
});

/** A real user access token from the identity service, when it is installed. */
async function userAccessToken(t: TestApp, userId: string, teamId: string): Promise<string | undefined> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { SessionsService } = require('@avn/identity') as typeof import('@avn/identity');
  const tokens = await t.api.app.get(SessionsService, { strict: false }).issueTokens(userId, teamId);
  return tokens.accessToken;
}
