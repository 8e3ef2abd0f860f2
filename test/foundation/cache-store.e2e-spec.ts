import { CacheStore, MemoryCacheStore, RedisCacheStore } from '@avn/cache';
import { randomCachePrefix, REDIS_URL } from '@avn/testing';

const stores: Array<[string, () => Promise<CacheStore>]> = [
  [
    'redis',
    async () => {
      const store = new RedisCacheStore({ url: REDIS_URL, keyPrefix: randomCachePrefix() });
      expect(await store.waitUntilReady(5000)).toBe(true);
      return store;
    },
  ],
  ['memory', async () => new MemoryCacheStore()],
];

describe.each(stores)('CacheStore contract: %s', (_kind, open) => {
  let store: CacheStore;
  beforeAll(async () => {
    store = await open();
  });
  afterAll(async () => {
    await store.close();
  });

  it('sets, gets, mgets and deletes', async () => {
    await store.set('a', '1');
    await store.set('b', '2');
    expect(await store.get('a')).toBe('1');
    expect(await store.mget(['a', 'missing', 'b'])).toEqual(['1', null, '2']);
    expect(await store.del('a', 'missing')).toBe(1);
    expect(await store.get('a')).toBeNull();
  });

  it('expires keys after their TTL', async () => {
    await store.set('short', 'x', 1);
    const ttl = await store.ttl('short');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(1);
    expect(await store.ttl('never-set')).toBe(-2);
    await store.set('forever', 'x');
    expect(await store.ttl('forever')).toBe(-1);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await store.get('short')).toBeNull();
  });

  it('setIfAbsent only sets once', async () => {
    expect(await store.setIfAbsent('nx', 'first', 10)).toBe(true);
    expect(await store.setIfAbsent('nx', 'second', 10)).toBe(false);
    expect(await store.get('nx')).toBe('first');
  });

  it('compareAndSet replaces only the expected value', async () => {
    expect(await store.compareAndSet('cas', null, 'v1')).toBe(true); // absent -> set
    expect(await store.compareAndSet('cas', null, 'v2')).toBe(false); // no longer absent
    expect(await store.compareAndSet('cas', 'other', 'v2')).toBe(false);
    expect(await store.compareAndSet('cas', 'v1', 'v2', 5)).toBe(true);
    expect(await store.get('cas')).toBe('v2');
    expect(await store.ttl('cas')).toBeGreaterThan(0);
  });

  it('compareAndSet lets exactly one of many concurrent writers win', async () => {
    await store.set('race', 'v0');
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => store.compareAndSet('race', 'v0', `w${i}`)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('incr is atomic under concurrency and sets the TTL only on creation', async () => {
    const values = await Promise.all(Array.from({ length: 100 }, () => store.incr('counter', 30)));
    expect(new Set(values).size).toBe(100);
    expect(Math.max(...values)).toBe(100);
    const ttl = await store.ttl('counter');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(30);
  });

  it('delivers published messages to subscribers and stops after unsubscribe', async () => {
    const received: string[] = [];
    const unsubscribe = await store.subscribe('chan:test', (m) => received.push(m));
    await new Promise((r) => setTimeout(r, 50));
    await store.publish('chan:test', 'hello');
    for (let i = 0; i < 50 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(received).toEqual(['hello']);
    await unsubscribe();
    await store.publish('chan:test', 'after');
    await new Promise((r) => setTimeout(r, 100));
    expect(received).toEqual(['hello']);
  });

  it('answers ping', async () => {
    expect(await store.ping()).toBe(true);
  });
});

describe('RedisCacheStore key prefixes', () => {
  it('isolates two deployments sharing one Redis', async () => {
    const a = new RedisCacheStore({ url: REDIS_URL, keyPrefix: randomCachePrefix() });
    const b = new RedisCacheStore({ url: REDIS_URL, keyPrefix: randomCachePrefix() });
    try {
      expect(await a.waitUntilReady()).toBe(true);
      expect(await b.waitUntilReady()).toBe(true);
      await a.set('k', 'from-a');
      expect(await b.get('k')).toBeNull();
      expect(await a.get('k')).toBe('from-a');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
