import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DecryptionError, decryptWithKey, encryptWithKey, generateDataKey, LocalSecretProvider } from '@avn/crypto';
import { ConnectionRow, ConnectionVault, connectionAad, VaultRepository } from '@avn/products';
import type { TestApp } from '@avn/testing';
import { adminToken, bearer, signUp, SignedUp, startProductsApp } from './support/fixtures';

const run = promisify(execFile);

/**
 * Envelope encryption of team connection strings: a data key per team wrapped by the KEK, KEK
 * rotation (re-wrap) and data-key rotation (re-encrypt) online, and failing closed on tampering.
 */
describe('connection encryption and key rotation', () => {
  let t: TestApp;
  let admin: Record<string, string>;
  let key: string;
  const teams: SignedUp[] = [];
  const expected = new Map<string, string>();

  const readHttp = (teamId: string) => t.http.get(`/v1/teams/${teamId}/db-connection`).set(bearer(key));

  /** A vault with an empty key cache and its own view of the key file, like another instance would have. */
  const freshVault = () => new ConnectionVault(t.db, new VaultRepository(t.db), new LocalSecretProvider(t.config.LOCAL_KEY_FILE!));

  const rowOf = (teamId: string) =>
    t.db.asPlatform(async () => (await t.db.queryOne<ConnectionRow>(`${VaultRepository.selectSql} WHERE c.team_id = $1`, [teamId]))!);

  const dataKeys = () =>
    t.db.asPlatform(() =>
      t.db.query<{ id: string; team_id: string; status: string; kek_id: string; kek_version: string; wrapped_key: Buffer }>(
        'SELECT id, team_id, status, kek_id, kek_version, wrapped_key FROM aventian.team_data_keys ORDER BY team_id',
      ),
    );

  async function subscribeTeam(label: string): Promise<SignedUp> {
    const team = await signUp(t, label);
    await t.http
      .post(`/v1/teams/${team.teamId}/subscriptions`)
      .set(bearer(team.token))
      .send({ productCode: 'vault', plan: 'pro' })
      .expect(201);
    const res = await readHttp(team.teamId).expect(200);
    expected.set(team.teamId, res.body.connectionString);
    teams.push(team);
    return team;
  }

  async function expectAllDecrypt(): Promise<void> {
    const vault = freshVault();
    for (const [teamId, plain] of expected) {
      expect(await vault.decrypt(await rowOf(teamId))).toBe(plain);
      expect((await readHttp(teamId).expect(200)).body.connectionString).toBe(plain);
    }
  }

  beforeAll(async () => {
    t = await startProductsApp();
    admin = bearer(await adminToken(t));
    await t.http
      .post('/v1/products')
      .set(admin)
      .send({
        code: 'vault',
        name: 'Vault',
        provisioningScript: 'example-provision.js',
        dashboardUrl: 'https://v.example.com',
        allowedResourceTypes: [],
      })
      .expect(201);
    key = (await t.http.post('/v1/products/vault/api-keys').set(admin).send({ name: 'k' }).expect(201)).body.key;
    await subscribeTeam('a');
    await subscribeTeam('b');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('uses one data key per team, wrapped by the current KEK version', async () => {
    const keys = await dataKeys();
    expect(keys).toHaveLength(2);
    expect(new Set(keys.map((k) => k.team_id))).toEqual(new Set(teams.map((x) => x.teamId)));
    for (const k of keys) expect(k).toMatchObject({ status: 'active', kek_id: 'local', kek_version: '1' });
    await expectAllDecrypt();
  });

  it('KEK rotation re-wraps every data key; old and new rows decrypt, an old-version wrap still opens', async () => {
    const before = await dataKeys();
    const vault = t.api.app.get(ConnectionVault);
    const report = await vault.rotate({ reencrypt: false });
    expect(report).toMatchObject({ kek: { id: 'local', version: '2' }, rewrapped: 2, failed: 0 });
    const after = await dataKeys();
    for (const k of after) expect(k.kek_version).toBe('2');
    expect(after.map((k) => k.id)).toEqual(before.map((k) => k.id)); // same DEKs, new wrapping
    expect(after[0].wrapped_key.equals(before[0].wrapped_key)).toBe(false);

    await subscribeTeam('c'); // a row written after the rotation: new DEK under KEK v2
    expect((await dataKeys()).find((k) => k.team_id === teams[2].teamId)!.kek_version).toBe('2');
    await expectAllDecrypt();

    // A DEK still wrapped by version 1 (e.g. rotation not finished yet) keeps decrypting.
    const old = before[0];
    await t.db.asPlatform(() =>
      t.db.query('UPDATE aventian.team_data_keys SET wrapped_key = $2, kek_version = $3 WHERE id = $1', [old.id, old.wrapped_key, '1']),
    );
    await expectAllDecrypt();
    // Re-running completes the interrupted rotation.
    const rerun = await vault.rotate({ reencrypt: false });
    expect(rerun).toMatchObject({ kek: { version: '3' }, rewrapped: 3, failed: 0 });
    await expectAllDecrypt();
  });

  it('--reencrypt gives each team a new data key, re-encrypts rows and drops the old keys', async () => {
    const before = await dataKeys();
    const cipherBefore = (await rowOf(teams[0].teamId)).ciphertext;
    const report = await t.api.app.get(ConnectionVault).rotate({ reencrypt: true });
    expect(report).toMatchObject({ kek: { version: '4' }, reencryptedTeams: 3, reencryptedRows: 3, failed: 0 });
    const after = await dataKeys();
    expect(after).toHaveLength(3);
    for (const k of after) expect(k).toMatchObject({ status: 'active', kek_version: '4' });
    expect(after.map((k) => k.id).some((id) => before.some((b) => b.id === id))).toBe(false);
    expect((await rowOf(teams[0].teamId)).ciphertext.equals(cipherBefore)).toBe(false);
    await expectAllDecrypt();
  });

  it('fails closed when one byte of the ciphertext is flipped (no plaintext, 500)', async () => {
    const teamId = teams[0].teamId;
    const original = (await rowOf(teamId)).ciphertext;
    const tampered = Buffer.from(original);
    tampered[tampered.length - 1] ^= 0x01;
    await t.db.asPlatform(() =>
      t.db.query('UPDATE aventian.team_db_connections SET ciphertext = $2 WHERE team_id = $1', [teamId, tampered]),
    );
    try {
      const res = await readHttp(teamId).expect(500);
      expect(JSON.stringify(res.body)).not.toContain('postgres://');
      await expect(freshVault().decrypt(await rowOf(teamId))).rejects.toBeInstanceOf(DecryptionError);
    } finally {
      await t.db.asPlatform(() =>
        t.db.query('UPDATE aventian.team_db_connections SET ciphertext = $2 WHERE team_id = $1', [teamId, original]),
      );
    }
    await readHttp(teamId).expect(200);
  });

  it('a row copied to another team does not decrypt there (associated data binds team + product)', async () => {
    const [a, b] = teams;
    const rowA = await t.db.asPlatform(
      async () =>
        (await t.db.queryOne<{ data_key_id: string; ciphertext: Buffer }>(
          'SELECT data_key_id, ciphertext FROM aventian.team_db_connections WHERE team_id = $1',
          [a.teamId],
        ))!,
    );
    const rowB = await t.db.asPlatform(
      async () =>
        (await t.db.queryOne<{ data_key_id: string; ciphertext: Buffer }>(
          'SELECT data_key_id, ciphertext FROM aventian.team_db_connections WHERE team_id = $1',
          [b.teamId],
        ))!,
    );
    const put = (r: { data_key_id: string; ciphertext: Buffer }) =>
      t.db.asPlatform(() =>
        t.db.query('UPDATE aventian.team_db_connections SET data_key_id = $2, ciphertext = $3 WHERE team_id = $1', [
          b.teamId,
          r.data_key_id,
          r.ciphertext,
        ]),
      );
    await put(rowA);
    try {
      // Over HTTP: RLS already hides team A's data key from team B's scope (404); either way no plaintext.
      const res = await readHttp(b.teamId);
      expect([404, 500]).toContain(res.status);
      expect(JSON.stringify(res.body)).not.toContain('postgres://');
      // Platform scope sees both rows: the data key unwraps, the associated data (team B) does not match.
      await expect(freshVault().decrypt(await rowOf(b.teamId))).rejects.toBeInstanceOf(DecryptionError);
    } finally {
      await put(rowB);
    }
    await readHttp(b.teamId).expect(200);
  });

  it('a flipped byte of a wrapped data key or of the associated data fails closed', async () => {
    const teamId = teams[1].teamId;
    const row = await rowOf(teamId);
    const wrapped = Buffer.from(row.wrapped_key);
    wrapped[20] ^= 0x80;
    await expect(freshVault().decrypt({ ...row, wrapped_key: wrapped })).rejects.toBeInstanceOf(DecryptionError);

    const dek = generateDataKey();
    const aad = connectionAad(teamId, 'vault');
    const blob = encryptWithKey(dek, Buffer.from('postgres://secret'), aad);
    const flipped = Buffer.from(aad);
    flipped[flipped.length - 1] ^= 0x01;
    expect(() => decryptWithKey(dek, blob, flipped)).toThrow(DecryptionError);
    expect(decryptWithKey(dek, blob, aad).toString()).toBe('postgres://secret');
  });

  it('the operator command `encryption:rotate --reencrypt` rotates a live deployment', async () => {
    const root = join(__dirname, '..', '..');
    const { stdout } = await run(
      process.execPath,
      [
        '-r',
        'ts-node/register/transpile-only',
        '-r',
        'tsconfig-paths/register',
        'apps/cli/src/main.ts',
        'encryption:rotate',
        '--reencrypt',
      ],
      {
        cwd: root,
        timeout: 90_000,
        env: {
          PATH: process.env.PATH,
          NODE_ENV: 'test',
          LOG_LEVEL: 'silent',
          DATABASE_URL: t.config.DATABASE_URL,
          REDIS_URL: t.config.REDIS_URL,
          CACHE_KEY_PREFIX: t.config.CACHE_KEY_PREFIX,
          DATA_DIR: t.config.DATA_DIR,
          LOCAL_KEY_FILE: t.config.LOCAL_KEY_FILE,
          TS_NODE_TRANSPILE_ONLY: 'true',
        },
      },
    );
    expect(stdout).toContain('version 5: 3 data key(s) re-wrapped, 3 team(s) / 3 connection(s) re-encrypted');
    for (const k of await dataKeys()) expect(k.kek_version).toBe('5');
    await expectAllDecrypt();
  }, 120_000);
});
