import { ProductsService } from '@avn/products';
import { startTestApp, TestApp } from '@avn/testing';

/** Product keys: format, hash-only storage, revocation effective on the very next request, several keys. */
describe('product API keys (verifier)', () => {
  let t: TestApp;
  let products: ProductsService;

  beforeAll(async () => {
    t = await startTestApp();
    products = t.api.app.get(ProductsService);
    await products.create({ code: 'keys-a', name: 'Keys A', allowedResourceTypes: ['thing'] });
    await products.create({ code: 'keys-b', name: 'Keys B' });
  });
  afterAll(async () => {
    await t?.close();
  });

  const privileges = (code: string, key: string) => t.http.get(`/v1/products/${code}/privileges`).set('authorization', `Bearer ${key}`);

  it('mints avn_pk_ keys, stores only a SHA-256 hash, and authenticates them', async () => {
    const created = await products.createApiKey('keys-a', 'backend');
    expect(created.key).toMatch(/^avn_pk_[A-Za-z0-9_-]{43}$/);
    expect(created.key.startsWith(created.prefix)).toBe(true);
    const [row] = await t.db.query<{ key_hash: Buffer; prefix: string }>('SELECT key_hash, prefix FROM aventian.api_keys WHERE id = $1', [
      created.id,
    ]);
    expect(row.key_hash).toHaveLength(32);
    expect(row.key_hash.toString('utf8')).not.toContain(created.key.slice(7));
    await privileges('keys-a', created.key).expect(200);
  });

  it('rejects an unknown key, a key with a wrong secret and a malformed key with 401', async () => {
    const created = await products.createApiKey('keys-a', 'other');
    const tampered = created.key.slice(0, -2) + (created.key.endsWith('AA') ? 'BB' : 'AA');
    await privileges('keys-a', tampered).expect(401);
    await privileges('keys-a', 'avn_pk_' + 'x'.repeat(43)).expect(401);
    await privileges('keys-a', 'avn_pk_short').expect(401);
  });

  it("answers 404 for another product's privileges", async () => {
    const keyB = await products.createApiKey('keys-b', 'b');
    await privileges('keys-a', keyB.key).expect(404);
    await privileges('keys-b', keyB.key).expect(200);
  });

  it('revocation is effective on the very next request, other keys keep working', async () => {
    const one = await products.createApiKey('keys-a', 'one');
    const two = await products.createApiKey('keys-a', 'two');
    await privileges('keys-a', one.key).expect(200);
    await privileges('keys-a', two.key).expect(200);
    await products.revokeApiKey('keys-a', one.id);
    await privileges('keys-a', one.key).expect(401);
    await privileges('keys-a', two.key).expect(200);
  });

  it('a revoke on one instance is effective on the next request to another instance', async () => {
    const second = await startTestApp({ database: t.database, cachePrefix: t.config.CACHE_KEY_PREFIX });
    try {
      const k = await products.createApiKey('keys-a', 'two-instances');
      await second.http.get('/v1/products/keys-a/privileges').set('authorization', `Bearer ${k.key}`).expect(200);
      await products.revokeApiKey('keys-a', k.id); // on the first instance
      await second.http.get('/v1/products/keys-a/privileges').set('authorization', `Bearer ${k.key}`).expect(401);
    } finally {
      await second.close();
    }
  });

  it('writes last_used_at at most once a minute per key', async () => {
    const k = await products.createApiKey('keys-a', 'touch');
    await privileges('keys-a', k.key).expect(200);
    const read = async () =>
      (await t.db.queryOne<{ last_used_at: Date; updated_at: Date }>(
        'SELECT last_used_at, updated_at FROM aventian.api_keys WHERE id = $1',
        [k.id],
      ))!;
    const first = await read();
    expect(first.last_used_at).toBeInstanceOf(Date);
    for (let i = 0; i < 5; i++) await privileges('keys-a', k.key).expect(200);
    const after = await read();
    expect(after.last_used_at.getTime()).toBe(first.last_used_at.getTime());
    expect(after.updated_at.getTime()).toBe(first.updated_at.getTime());
  });
});
