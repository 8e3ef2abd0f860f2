import { AuditService, BackupDrill, BackupService } from '@avn/audit';
import { SecretProvider } from '@avn/crypto';
import { ObjectStore } from '@avn/storage';
import { createTestDatabase, startTestApp, TestApp, TestDatabase } from '@avn/testing';
import { Client } from 'pg';
import { mintUser, teamWithOwner } from '../audit/audit-helpers';
import { FakeGcs, startFakeGcs } from './support/fake-gcs-server';
import { startTestS3, TestS3 } from './support/s3-server';

async function counts(url: string): Promise<Record<string, number>> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ t: string; n: number }>(
      `SELECT schemaname || '.' || relname AS t, n_live_tup::int AS n FROM pg_stat_user_tables WHERE schemaname IN ('aventian', 'aventian_audit')`,
    );
    const out: Record<string, number> = {};
    for (const { t } of rows) out[t] = Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${t}`)).rows[0].n);
    return out;
  } finally {
    await c.end();
  }
}

/** Backup → restore --latest through each store kind, with the app configured only by OBJECT_STORE_URL. */
describe.each(['file', 's3', 'gcs'] as const)('backup and restore through the %s store', (kind) => {
  let s3: TestS3 | undefined;
  let gcs: FakeGcs | undefined;
  let t: TestApp;
  const extra: TestDatabase[] = [];

  beforeAll(async () => {
    const env: Record<string, string> = {};
    if (kind === 's3') {
      s3 = await startTestS3();
      // The SDK's default credential chain (environment variables here).
      process.env.AWS_ACCESS_KEY_ID = s3.credentials.accessKeyId;
      process.env.AWS_SECRET_ACCESS_KEY = s3.credentials.secretAccessKey;
      Object.assign(env, { OBJECT_STORE_URL: `s3://${s3.bucket}/deploy-a`, S3_ENDPOINT: s3.endpoint, S3_FORCE_PATH_STYLE: 'true' });
    } else if (kind === 'gcs') {
      gcs = await startFakeGcs(['avn-backups']);
      Object.assign(env, { OBJECT_STORE_URL: 'gs://avn-backups/deploy-a', STORAGE_EMULATOR_HOST: gcs.url });
    }
    t = await startTestApp({ env: { ...env, AUDIT_CHECKPOINT_INTERVAL: '4' } });
    const owner = await mintUser(t, 'owner');
    const teamId = await teamWithOwner(t, `Stored in ${kind}`, owner.id);
    const audit = t.api.app.get(AuditService);
    for (let i = 0; i < 10; i++) await t.db.transaction(() => audit.record({ teamId, action: 'test.backup', data: { i } }));
  });
  afterAll(async () => {
    await t?.close();
    for (const d of extra) await d.drop().catch(() => undefined);
    await s3?.close();
    await gcs?.close();
  });

  it('writes the encrypted dump and its manifest to the store, and restores the latest into an empty database', async () => {
    const store = t.api.app.get(ObjectStore);
    expect(store.kind).toBe(kind);
    const backups = t.api.app.get(BackupService);
    const before = await counts(t.database!.url);
    const result = await backups.backup();
    expect(result.tables).toEqual(before);
    const keys = (await store.list('backups/')).map((o) => o.key);
    expect(keys).toEqual([result.key, result.key.replace('.dump.enc', '.manifest.enc')].sort());
    if (gcs) expect(gcs.objectCount('avn-backups')).toBe(2);

    const target = await createTestDatabase('avn_restore');
    extra.push(target);
    const restored = await backups.restore('latest', target.url);
    expect(restored.key).toBe(result.key);
    expect(await counts(target.url)).toEqual(before);
  });

  if (kind === 's3') {
    it('backup:drill restores the latest into a scratch database, verifies chains and counts, and drops it', async () => {
      const drill = new BackupDrill(t.config, t.api.app.get(BackupService), t.api.app.get(SecretProvider));
      const lines: string[] = [];
      const report = await drill.run((l) => lines.push(l));
      expect(report).toMatchObject({ ok: true, countMismatches: [], audit: { ok: true } });
      expect(report.audit.checked).toBeGreaterThanOrEqual(10);
      expect(report.rtoMs).toBeGreaterThanOrEqual(report.restoreMs);
      const c = new Client({ connectionString: t.database!.url });
      await c.connect();
      const left = await c.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [report.scratchDatabase]).finally(() => c.end());
      expect(left.rowCount).toBe(0);
      expect(lines.join('\n')).toContain(`dropped scratch database ${report.scratchDatabase}`);
    });
  }
});
