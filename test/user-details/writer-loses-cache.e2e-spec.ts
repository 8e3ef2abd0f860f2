import { performance } from 'node:perf_hooks';
import { startTestApp, TestApp } from '@avn/testing';
import { REDIS_URL } from '../support/test-env';
import { ProxyMode, TcpProxy } from '@avn/testing';
import { DetailsFixture } from './fixture';

/**
 * Only the WRITER's instance loses Redis (a TCP proxy between it and the shared Redis refuses or
 * silently drops; the shared Redis itself is untouched). The other instance, whose cache is warm and
 * which never sees an error, must not serve the revoked privilege to any read that starts after the
 * revoke returned: the write returns only once every instance's epoch lease has run out.
 */
describe('GetUserDetails when only the writer loses Redis', () => {
  let proxy: TcpProxy;
  let reader: TestApp;
  let writer: TestApp;
  let f: DetailsFixture;
  let orders: { id: string; key: string };
  let team: string;

  beforeAll(async () => {
    proxy = await TcpProxy.start(Number(new URL(REDIS_URL).port || 6379), new URL(REDIS_URL).hostname);
    reader = await startTestApp();
    writer = await startTestApp({
      database: reader.database,
      cachePrefix: reader.config.CACHE_KEY_PREFIX,
      env: { REDIS_URL: proxy.urlFor(REDIS_URL) },
    });
    f = new DetailsFixture(reader);
    orders = await f.product('orders', ['orders:read', 'orders:write']);
    team = await f.team('Acme', [{ productId: orders.id }]);
    await f.role(team, 'writer', ['orders:write', 'orders:read']);
    await f.role(team, 'reader', ['orders:read']);
  });

  afterAll(async () => {
    await writer?.close();
    await reader?.close();
    await proxy?.close();
  });

  const privileges = async (app: TestApp, userId: string): Promise<string[]> => {
    const res = await app.http.get(`/v1/users/${userId}/details`).set('authorization', `Bearer ${orders.key}`).expect(200);
    return res.body.teams[0]?.privileges ?? [];
  };

  const cacheHits = async (app: TestApp): Promise<number> =>
    Number(/avn_cache_reads_total\{result="hit"\} (\d+)/.exec((await app.http.get('/metrics')).text)?.[1] ?? 0);

  async function until(condition: () => Promise<boolean>, what: string, ms = 15_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it.each<ProxyMode>(['refuse', 'blackhole'])(
    'no read on the other instance started after the revoke returned sees the old answer (%s)',
    async (mode) => {
      const user = await f.user(`${mode}@example.com`);
      await f.member(team, user, ['writer', 'reader']);
      for (let i = 0; i < 3; i++) expect(await privileges(reader, user)).toContain('orders:write');
      const hits = await cacheHits(reader);
      expect(await privileges(reader, user)).toContain('orders:write');
      expect(await cacheHits(reader)).toBeGreaterThan(hits); // the reader really serves it from the cache

      const observations: Array<{ startedAt: number; write: boolean }> = [];
      let stop = false;
      const readLoop = async () => {
        while (!stop) {
          const startedAt = performance.now();
          observations.push({ startedAt, write: (await privileges(reader, user)).includes('orders:write') });
        }
      };
      const loops = [readLoop(), readLoop(), readLoop()];
      let returnedAt = Infinity;
      try {
        proxy.setMode(mode);
        await f.revokeRole(writer, team, user, 'writer');
        returnedAt = performance.now();
        // Past the other instance's next lease renewals, so reads after its poll are checked too.
        const end = performance.now() + 1500;
        await until(async () => performance.now() > end, 'the observation window');
      } finally {
        stop = true;
        await Promise.all(loops);
      }
      const after = observations.filter((o) => o.startedAt > returnedAt);
      expect(observations.some((o) => o.startedAt < returnedAt && o.write)).toBe(true);
      expect(after.length).toBeGreaterThan(5);
      expect(after.filter((o) => o.write)).toEqual([]);
      expect(await privileges(writer, user)).toEqual(['orders:read']); // from PostgreSQL

      proxy.setMode('pass');
      // Once the writer reaches Redis again it uses the cache again; answers stay right everywhere.
      const writerHits = await cacheHits(writer);
      await until(
        async () => (await privileges(writer, user)).length === 1 && (await cacheHits(writer)) > writerHits,
        'the writer to use the cache',
      );
      for (let i = 0; i < 3; i++) {
        expect(await privileges(reader, user)).toEqual(['orders:read']);
        expect(await privileges(writer, user)).toEqual(['orders:read']);
      }
    },
    60_000,
  );
});
