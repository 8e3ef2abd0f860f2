import { randomBytes } from 'node:crypto';
import {
  decryptWithKey,
  encryptWithKey,
  GcpSecretProvider,
  generateDataKey,
  readSecretString,
  SecretProvider,
  unwrapDataKey,
  wrapDataKey,
} from '@avn/crypto';
import { ConnectionVault } from '@avn/products';
import type { TestApp } from '@avn/testing';
import { adminToken, bearer, signUp, startProductsApp } from './support/fixtures';
import { startFakeSecretManager, FakeSecretManager } from './support/fake-secret-manager';

const SECRET = 'projects/test-project/secrets/aventian-kek';

/** The real @google-cloud/secret-manager client against a gRPC Secret Manager on 127.0.0.1. */
describe('GcpSecretProvider (real client, gRPC server from the shipped protos)', () => {
  let sm: FakeSecretManager;
  let provider: GcpSecretProvider;
  const firstKek = randomBytes(32);

  beforeAll(async () => {
    sm = await startFakeSecretManager();
    sm.addVersion(SECRET, Buffer.from(firstKek.toString('base64')));
    provider = new GcpSecretProvider({ secret: SECRET, version: 'latest', endpoint: sm.endpoint, currentTtlMs: 0 });
  });
  afterAll(async () => {
    await provider?.close();
    await sm?.close();
  });

  it('reads the current KEK over gRPC and resolves "latest" to a concrete version', async () => {
    const kek = await provider.currentKek();
    expect(kek).toEqual({ id: SECRET, version: '1', key: firstKek });
    expect(sm.calls).toContainEqual({ method: 'AccessSecretVersion', name: `${SECRET}/versions/latest` });
  });

  it('wraps and unwraps a data key, encrypts and decrypts through it', async () => {
    const kek = await provider.currentKek();
    const dek = generateDataKey();
    const aad = Buffer.from('team:1');
    const wrapped = wrapDataKey(kek, dek, aad);
    const again = await provider.kek(kek.id, kek.version);
    expect(unwrapDataKey(again, wrapped, aad)).toEqual(dek);
    const blob = encryptWithKey(dek, Buffer.from('postgres://x'), Buffer.from('ctx'));
    expect(decryptWithKey(dek, blob, Buffer.from('ctx')).toString()).toBe('postgres://x');
    expect(() => decryptWithKey(dek, blob, Buffer.from('cty'))).toThrow('decryption failed');
  });

  it('rotates with AddSecretVersion; old versions keep decrypting, new wrapping uses the new version', async () => {
    const old = await provider.currentKek();
    const dek = generateDataKey();
    const wrappedOld = wrapDataKey(old, dek, Buffer.from('a'));

    const rotated = await provider.rotate();
    expect(sm.calls.some((c) => c.method === 'AddSecretVersion' && c.name === SECRET)).toBe(true);
    expect(rotated.version).toBe('2');
    expect(rotated.key.equals(old.key)).toBe(false);
    expect((await provider.currentKek()).version).toBe('2');

    // A fresh provider (another instance) sees the new version as latest and can still open old wraps.
    const other = new GcpSecretProvider({ secret: SECRET, version: 'latest', endpoint: sm.endpoint });
    try {
      expect((await other.currentKek()).version).toBe('2');
      const oldAgain = await other.kek(SECRET, '1');
      expect(unwrapDataKey(oldAgain, wrappedOld, Buffer.from('a'))).toEqual(dek);
      const rewrapped = wrapDataKey(await other.currentKek(), dek, Buffer.from('a'));
      expect(unwrapDataKey(await other.kek(SECRET, '2'), rewrapped, Buffer.from('a'))).toEqual(dek);
      expect(() => unwrapDataKey(oldAgain, rewrapped, Buffer.from('a'))).toThrow();
    } finally {
      await other.close();
    }
  });

  it('fails for an unknown version or secret (no silent fallback)', async () => {
    await expect(provider.kek(SECRET, '99')).rejects.toThrow();
    await expect(provider.kek('projects/x/secrets/other', '1')).rejects.toThrow('unknown key');
  });

  it('reads a plain secret string (core DATABASE_URL at start-up)', async () => {
    const name = sm.addVersion('projects/test-project/secrets/db-url', Buffer.from('postgres://core@db/aventian\n'));
    await expect(readSecretString(name, sm.endpoint)).resolves.toBe('postgres://core@db/aventian');
  });
});

/** The whole app with SECRET_PROVIDER=gcp: connection strings are wrapped by a KEK held in (fake) Secret Manager. */
describe('SECRET_PROVIDER=gcp wired into the app', () => {
  let sm: FakeSecretManager;
  let t: TestApp;
  const secret = 'projects/app-project/secrets/kek';

  beforeAll(async () => {
    sm = await startFakeSecretManager();
    sm.addVersion(secret, Buffer.from(randomBytes(32).toString('base64')));
    t = await startProductsApp({
      env: { SECRET_PROVIDER: 'gcp', GCP_KEK_SECRET: secret, GCP_KEK_VERSION: 'latest', GCP_SECRET_MANAGER_ENDPOINT: sm.endpoint },
    });
  });
  afterAll(async () => {
    await t?.close();
    await sm?.close();
  });

  it('provisions, reads and rotates through the Secret Manager KEK', async () => {
    expect(t.api.app.get(SecretProvider).name).toBe('gcp');

    const admin = bearer(await adminToken(t));
    await t.http
      .post('/v1/products')
      .set(admin)
      .send({
        code: 'gcp-prod',
        name: 'G',
        provisioningScript: 'example-provision.js',
        dashboardUrl: 'https://g.example.com',
        allowedResourceTypes: [],
      })
      .expect(201);
    const key = (await t.http.post('/v1/products/gcp-prod/api-keys').set(admin).send({ name: 'k' }).expect(201)).body.key;
    const owner = await signUp(t, 'gcp');
    await t.http
      .post(`/v1/teams/${owner.teamId}/subscriptions`)
      .set(bearer(owner.token))
      .send({ productCode: 'gcp-prod', plan: 'p' })
      .expect(201);
    const first = await t.http.get(`/v1/teams/${owner.teamId}/db-connection`).set(bearer(key)).expect(200);

    const dek = await t.db.asPlatform(() =>
      t.db.queryOne<{ kek_id: string; kek_version: string }>('SELECT kek_id, kek_version FROM aventian.team_data_keys'),
    );
    expect(dek).toEqual({ kek_id: secret, kek_version: '1' });
    expect(sm.calls.some((c) => c.method === 'AccessSecretVersion' && c.name.startsWith(secret))).toBe(true);

    const report = await t.api.app.get(ConnectionVault).rotate({ reencrypt: true });
    expect(report).toMatchObject({ kek: { id: secret, version: '2' }, rewrapped: 1, reencryptedRows: 1, failed: 0 });
    expect(sm.calls.some((c) => c.method === 'AddSecretVersion' && c.name === secret)).toBe(true);
    const after = await t.http.get(`/v1/teams/${owner.teamId}/db-connection`).set(bearer(key)).expect(200);
    expect(after.body.connectionString).toBe(first.body.connectionString);
  });
});
