import { CacheStore, MemoryCacheStore, RedisCacheStore } from '@avn/cache';
import { openVersionedEntries, RedisVersionedEntries, StoreVersionedEntries, VersionedEntries } from '@avn/user-details';
import { randomCachePrefix, REDIS_URL } from '../support/test-env';

/** The versioned-entry protocol behind GetUserDetails, identical on Redis (Lua) and over the in-process store. */
describe.each([
  ['redis', () => new RedisCacheStore({ url: REDIS_URL, keyPrefix: randomCachePrefix() }), RedisVersionedEntries],
  ['memory', () => new MemoryCacheStore(), StoreVersionedEntries],
])('versioned entries (%s)', (_kind, open: () => CacheStore, implementation: abstract new (...args: never[]) => VersionedEntries) => {
  let store: CacheStore;
  let entries: VersionedEntries;
  beforeAll(async () => {
    store = open();
    entries = openVersionedEntries(store);
    expect(entries).toBeInstanceOf(implementation);
    if (store instanceof RedisCacheStore) await store.waitUntilReady(5000);
  });
  afterAll(async () => {
    await store.del('e1', 'e2', 'e3', 'e4', 'e5', 'ver:a', 'ver:b', 'ver:c', 'ver:d', 'ver:e', 'ver:f', 'ver:g', 'ver:h');
    await store.close();
  });

  it('misses with the current versions, hits while they hold, misses again after a bump', async () => {
    const first = await entries.readVersioned('e1', ['ver:a', 'ver:b']);
    expect(first.value).toBeNull();
    expect([...first.versions!]).toEqual([
      ['ver:a', '0'],
      ['ver:b', '0'],
    ]);
    await entries.writeVersioned(
      'e1',
      [
        ['ver:a', '0'],
        ['ver:b', '0'],
        ['ver:c', '0'],
      ],
      '{"x":1}',
      60,
    );
    expect(await entries.readVersioned('e1', ['ver:a', 'ver:b'])).toEqual({
      value: '{"x":1}',
      versions: new Map([
        ['ver:a', '0'],
        ['ver:b', '0'],
      ]), // current versions of the asked counters, also on a hit
      recorded: [
        ['ver:a', '0'],
        ['ver:b', '0'],
        ['ver:c', '0'],
      ], // everything the entry depends on: what an in-process copy must re-check
    });

    await store.incr('ver:c'); // a dependency known only to the entry
    const stale = await entries.readVersioned('e1', ['ver:a', 'ver:b']);
    expect(stale.value).toBeNull();
    expect(Object.fromEntries(stale.versions!)).toEqual({ 'ver:a': '0', 'ver:b': '0', 'ver:c': '1' });
  });

  it('never serves an entry with an unknown version, nor one written with versions read before a bump', async () => {
    await entries.writeVersioned('e2', [['ver:d', '?']], 'v', 60);
    expect((await entries.readVersioned('e2', ['ver:d'])).value).toBeNull();

    const before = (await entries.readVersioned('e3', ['ver:e'])).versions!;
    await store.incr('ver:e'); // a write commits while the reader builds
    await entries.writeVersioned('e3', [['ver:e', before.get('ver:e')!]], 'stale', 60);
    expect((await entries.readVersioned('e3', ['ver:e'])).value).toBeNull();
  });

  it('keeps values with newlines and spaces intact and applies the TTL', async () => {
    const value = '{"a" : "x y\\nz"}\n second line';
    await entries.writeVersioned('e4', [['ver:f', '0']], value, 60);
    expect((await entries.readVersioned('e4', [])).value).toBe(value);
    expect(await store.ttl('e4')).toBeGreaterThan(50);
  });

  it('stores every write of one turn under its own key and TTL (several writes share one command on Redis)', async () => {
    await Promise.all([
      entries.writeVersioned('w1', [['ver:f', '0']], 'one', 60),
      entries.writeVersioned('w2', [['ver:f', '0']], 'two two', 60),
      entries.writeVersioned('w3', [['ver:f', '0']], 'three', 600),
      entries.writeVersioned('w4', [['ver:f', '0']], 'four', 60),
    ]);
    const values = await Promise.all(['w1', 'w2', 'w3', 'w4'].map(async (k) => (await entries.readVersioned(k, [])).value));
    expect(values).toEqual(['one', 'two two', 'three', 'four']);
    expect(await store.ttl('w2')).toBeGreaterThan(50);
    expect(await store.ttl('w2')).toBeLessThanOrEqual(60);
    expect(await store.ttl('w3')).toBeGreaterThan(500);
    await store.del('w1', 'w2', 'w3', 'w4');
  });

  it('reads counters in order, absent as 0, for concurrent callers sharing counters', async () => {
    await store.incr('ver:g');
    await store.incr('ver:g');
    const [one, two, three] = await Promise.all([
      entries.readCounters(['ver:g', 'ver:h']),
      entries.readCounters(['ver:h', 'ver:g', 'ver:g']),
      entries.readCounters([]),
    ]);
    expect(one).toEqual(['2', '0']);
    expect(two).toEqual(['0', '2', '2']);
    expect(three).toEqual([]);
    expect(await entries.readCounters([])).toEqual([]); // alone in its batch too
  });

  it('a batch mixing entry reads, counter reads and writes answers each caller with its own result', async () => {
    await entries.writeVersioned('e5', [['ver:h', '0']], 'five', 60);
    const [read, counters, , again] = await Promise.all([
      entries.readVersioned('e5', ['ver:g']),
      entries.readCounters(['ver:h']),
      entries.writeVersioned('e1', [['ver:h', '?']], 'never', 60),
      entries.readVersioned('e1', []),
    ]);
    expect(read.value).toBe('five');
    expect(read.versions.get('ver:g')).toBe('2');
    expect(counters).toEqual(['0']);
    expect(again.value).toBeNull(); // written in the same batch, before this read, with an unknown version
  });
});
