import { performance } from 'node:perf_hooks';
import { startTestApp, TestApp } from '@avn/testing';
import { AccessInvalidator } from '@avn/user-details';
import { TcpProxy } from '@avn/testing';
import { deleteCacheKeys, REDIS_URL } from '../support/test-env';
import { UserDetailsRepository } from '../../libs/user-details/src/user-details.repository';
import { DetailsFixture } from './fixture';

/**
 * Strict consistency of the GetUserDetails cache across instances: two app instances share one
 * PostgreSQL database and one Redis prefix, like two replicas of a deployment. Both reach Redis
 * through a TCP proxy, so a test can take Redis away from them without touching the shared server.
 */
describe('GetUserDetails consistency', () => {
  let proxy: TcpProxy;
  let t1: TestApp;
  let t2: TestApp;
  let f: DetailsFixture;
  let orders: { id: string; key: string };
  let team: string;

  beforeAll(async () => {
    proxy = await TcpProxy.start(Number(new URL(REDIS_URL).port || 6379), new URL(REDIS_URL).hostname);
    const env = { REDIS_URL: proxy.urlFor(REDIS_URL) };
    t1 = await startTestApp({ env });
    t2 = await startTestApp({ database: t1.database, cachePrefix: t1.config.CACHE_KEY_PREFIX, env });
    f = new DetailsFixture(t1);
    orders = await f.product('orders', ['orders:read', 'orders:write']);
    team = await f.team('Acme', [{ productId: orders.id }]);
    await f.role(team, 'writer', ['orders:write', 'orders:read']);
    await f.role(team, 'reader', ['orders:read']);
  });

  afterAll(async () => {
    await t2?.close();
    await t1?.close();
    await proxy?.close();
  });

  const privileges = async (app: TestApp, userId: string): Promise<string[]> => {
    const res = await app.http.get(`/v1/users/${userId}/details`).set('authorization', `Bearer ${orders.key}`).expect(200);
    return res.body.teams[0]?.privileges ?? [];
  };

  async function memberWithWriter(email: string): Promise<string> {
    const user = await f.user(email);
    await f.member(team, user, ['writer', 'reader']);
    return user;
  }

  it('a revoke on instance 1 is seen at once by instance 2, whose cache was warm', async () => {
    const user = await memberWithWriter('two-instances@example.com');
    // Warm both instances (twice: the first build records dependencies, the second is cacheable).
    for (let i = 0; i < 3; i++) {
      expect(await privileges(t1, user)).toContain('orders:write');
      expect(await privileges(t2, user)).toContain('orders:write');
    }
    const hitsBefore = await cacheHits(t2);
    expect(await privileges(t2, user)).toContain('orders:write');
    expect(await cacheHits(t2)).toBeGreaterThan(hitsBefore); // it really was served from the cache

    await f.revokeRole(t1, team, user, 'writer');
    const missesBefore = await cacheReads(t2, 'miss');
    expect(await privileges(t2, user)).toEqual(['orders:read']);
    expect(await cacheReads(t2, 'miss')).toBeGreaterThan(missesBefore); // its copy was stale: counted as a miss
    expect(await privileges(t1, user)).toEqual(['orders:read']);

    await f.grantRole(t2, team, user, 'writer');
    expect(await privileges(t1, user)).toEqual(['orders:read', 'orders:write']);
  });

  it('a role privilege change and a subscription cancel are seen at once by the other instance', async () => {
    const user = await memberWithWriter('role-change@example.com');
    for (let i = 0; i < 3; i++) await privileges(t2, user);
    const roleId = (await f.sql<{ id: string }>(`SELECT id FROM aventian.tbl_roles WHERE team_id = $1 AND code = 'reader'`, [team]))[0].id;
    // Revoke the writer role first so only `reader` feeds orders:read.
    await f.revokeRole(t1, team, user, 'writer');
    for (let i = 0; i < 3; i++) expect(await privileges(t2, user)).toEqual(['orders:read']);

    const inv = t1.api.app.get(AccessInvalidator);
    await t1.db.transaction(
      async () => {
        await t1.db.query(`DELETE FROM aventian.tbl_role_privileges WHERE role_id = $1`, [roleId]);
        await inv.roleChanged(roleId);
      },
      { platform: true },
    );
    expect(await privileges(t2, user)).toEqual([]);

    await t1.db.transaction(
      async () => {
        await t1.db.query(`UPDATE aventian.tbl_team_product_assoc SET status = 'canceled', canceled_at = now() WHERE team_id = $1`, [team]);
        await inv.teamChanged(team);
      },
      { platform: true },
    );
    const res = await t2.http.get(`/v1/users/${user}/details`).set('authorization', `Bearer ${orders.key}`).expect(200);
    expect(res.body.teams).toEqual([]);
    // Restore for the other tests.
    await t1.db.transaction(
      async () => {
        await t1.db.query(
          `INSERT INTO aventian.tbl_team_product_assoc (team_id, product_id, plan, status) VALUES ($1, $2, 'pro', 'active')`,
          [team, orders.id],
        );
        await t1.db.query(
          `INSERT INTO aventian.tbl_role_privileges (role_id, privilege_id, team_id) SELECT $1, id, $2 FROM aventian.tbl_privileges WHERE code = 'orders:read'`,
          [roleId, team],
        );
        await inv.teamChanged(team);
        await inv.roleChanged(roleId);
      },
      { platform: true },
    );
  });

  it('no read started after a revoke returned sees the revoked privilege (reads interleaved on both instances)', async () => {
    const user = await memberWithWriter('interleaved@example.com');
    for (let i = 0; i < 3; i++) await privileges(t2, user);

    const observations: Array<{ startedAt: number; write: boolean }> = [];
    let stop = false;
    const reader = async (app: TestApp) => {
      while (!stop) {
        const startedAt = performance.now();
        const privs = await privileges(app, user);
        observations.push({ startedAt, write: privs.includes('orders:write') });
      }
    };
    const readers = [reader(t1), reader(t2), reader(t1), reader(t2), reader(t2), reader(t1)];
    await new Promise((r) => setTimeout(r, 300));
    await f.revokeRole(t1, team, user, 'writer');
    const revokedAt = performance.now();
    await new Promise((r) => setTimeout(r, 400));
    stop = true;
    await Promise.all(readers);

    const before = observations.filter((o) => o.startedAt < revokedAt);
    const after = observations.filter((o) => o.startedAt > revokedAt);
    expect(before.some((o) => o.write)).toBe(true);
    expect(after.length).toBeGreaterThan(10);
    expect(after.filter((o) => o.write)).toEqual([]);
  });

  it('a read that began before a revoke cannot store its stale answer for later reads', async () => {
    const user = await memberWithWriter('slow-reader@example.com');
    for (let i = 0; i < 3; i++) await privileges(t2, user);
    // Make the cached entry stale so the next read on instance 2 rebuilds it from PostgreSQL.
    await t1.api.app.get(AccessInvalidator).userChanged(user);

    // Hold instance 2's rebuild after its SQL has read the old state, until the revoke has returned.
    const repository = t2.api.app.get(UserDetailsRepository);
    const original = repository.load.bind(repository);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let sqlDone!: () => void;
    const sqlRead = new Promise<void>((r) => (sqlDone = r));
    repository.load = async (...args) => {
      const row = await original(...args);
      sqlDone();
      await gate;
      return row;
    };
    try {
      const slow = privileges(t2, user);
      await sqlRead;
      await f.revokeRole(t1, team, user, 'writer');
      release();
      expect(await slow).toContain('orders:write'); // it began before the revoke: old answer is fine
    } finally {
      repository.load = original;
    }
    await new Promise((r) => setTimeout(r, 50)); // let its (stale) cache write land
    expect(await privileges(t2, user)).toEqual(['orders:read']);
    expect(await privileges(t1, user)).toEqual(['orders:read']);
  });

  it('an answer held in process never outlives the cache data it was checked against (keys flushed)', async () => {
    const user = await memberWithWriter('flushed@example.com');
    for (let i = 0; i < 3; i++) expect(await privileges(t2, user)).toContain('orders:write');
    const hitsBefore = await cacheHits(t2);
    expect(await privileges(t2, user)).toContain('orders:write');
    expect(await cacheHits(t2)).toBeGreaterThan(hitsBefore); // instance 2 holds the answer

    // The revoke bumps the role's counter from absent to 1; then the cache loses every key (an
    // operator flush, a restart without persistence) before instance 2 reads again: the role
    // counter is absent again, as it was when instance 2 built its copy. Only the global epoch
    // (random, now absent) tells the copy is stale.
    await f.revokeRole(t1, team, user, 'writer');
    await deleteCacheKeys(t1.config.CACHE_KEY_PREFIX);
    expect(await privileges(t2, user)).toEqual(['orders:read']);
    expect(await privileges(t1, user)).toEqual(['orders:read']);

    // Every instance restores an epoch with its next poll; answers are cached (and right) again.
    await until(async () => {
      const hitsAfter = await cacheHits(t2);
      expect(await privileges(t2, user)).toEqual(['orders:read']);
      return (await cacheHits(t2)) > hitsAfter;
    }, 'answers served from the cache again');
  });

  it('keeps answering while Redis does not answer and reflects writes made meanwhile afterwards', async () => {
    const user = await memberWithWriter('outage@example.com');
    for (let i = 0; i < 3; i++) {
      await privileges(t1, user);
      await privileges(t2, user);
    }
    proxy.setMode('blackhole'); // both instances: connections open, nothing answered
    try {
      expect(await privileges(t2, user)).toContain('orders:write'); // answered from PostgreSQL
      await f.revokeRole(t1, team, user, 'writer');
      expect(await privileges(t2, user)).toEqual(['orders:read']);
      expect(await privileges(t1, user)).toEqual(['orders:read']);
    } finally {
      proxy.setMode('pass');
    }
    // Redis answers again (with everything that was held): neither instance serves the entry cached
    // before the revoke, and both use the cache again.
    await until(async () => {
      const hits = await cacheHits(t2);
      expect(await privileges(t2, user)).toEqual(['orders:read']);
      expect(await privileges(t1, user)).toEqual(['orders:read']);
      return (await cacheHits(t2)) > hits;
    }, 'the cache to be used again');
    const metrics = await t2.http.get('/metrics').expect(200);
    expect(metrics.text).toMatch(/avn_user_details_degraded_total\{reason="[a-z_]+"\} [1-9]/);
    expect(metrics.text).toMatch(/avn_user_details_cache_outages_total [1-9]/);
  });

  it('a write on an instance that cannot reach Redis is recorded in PostgreSQL and applied by the others', async () => {
    const user = await memberWithWriter('split@example.com');
    for (let i = 0; i < 3; i++) expect(await privileges(t2, user)).toContain('orders:write');
    // A third replica whose Redis is unreachable (nothing listens on port 1): its bumps fail.
    const t3 = await startTestApp({ database: t1.database, env: { REDIS_URL: 'redis://127.0.0.1:1' } });
    try {
      await f.revokeRole(t3, team, user, 'writer');
      expect(await privileges(t3, user)).toEqual(['orders:read']); // degraded: from PostgreSQL
      const epoch = await f.sql<{ epoch: string }>('SELECT epoch::text AS epoch FROM aventian.cache_epoch');
      expect(Number(epoch[0].epoch)).toBeGreaterThan(0);
      // Instance 2 never saw a failure: the revoke returned only after instance 2's epoch lease ran
      // out, so its very next read already reflects it (writer-loses-cache.e2e-spec.ts covers reads
      // racing the write, through a proxy that refuses or drops).
      for (let i = 0; i < 3; i++) expect(await privileges(t2, user)).toEqual(['orders:read']);
      for (let i = 0; i < 3; i++) expect(await privileges(t1, user)).toEqual(['orders:read']);
    } finally {
      await t3.close();
    }
  });
});

async function until(condition: () => Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function cacheReads(app: TestApp, result: 'hit' | 'miss'): Promise<number> {
  const text = (await app.http.get('/metrics')).text;
  const match = new RegExp(`avn_cache_reads_total\\{result="${result}"\\} (\\d+)`).exec(text);
  return match ? Number(match[1]) : 0;
}

const cacheHits = (app: TestApp) => cacheReads(app, 'hit');
