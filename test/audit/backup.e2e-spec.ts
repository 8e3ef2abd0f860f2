import { AuditService, AuditVerifier, BackupService } from '@avn/audit';
import { ObjectStore } from '@avn/storage';
import { newId } from '@avn/database';
import { createTestDatabase, startTestApp, TestApp, TestDatabase } from '@avn/testing';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { mintUser, teamWithOwner } from './audit-helpers';

/** Row count and content digest of every table of the control plane, read as the owner. */
async function snapshot(url: string): Promise<Record<string, { rows: number; md5: string | null }>> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const tables = await c.query<{ s: string; n: string }>(
      `SELECT table_schema AS s, table_name AS n FROM information_schema.tables
        WHERE table_schema IN ('aventian', 'aventian_audit') AND table_type = 'BASE TABLE' ORDER BY 1, 2`,
    );
    const out: Record<string, { rows: number; md5: string | null }> = {};
    for (const { s, n } of tables.rows) {
      const r = await c.query<{ rows: number; md5: string | null }>(
        `SELECT count(*)::int AS rows, md5(string_agg(t::text, '|' ORDER BY t::text)) AS md5 FROM "${s}"."${n}" t`,
      );
      out[`${s}.${n}`] = r.rows[0];
    }
    return out;
  } finally {
    await c.end();
  }
}

async function relationCount(url: string): Promise<number> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname IN ('aventian', 'aventian_audit')`,
    );
    return r.rows[0].n;
  } finally {
    await c.end();
  }
}

describe('encrypted backup and restore', () => {
  let t: TestApp;
  let backups: BackupService;
  const extraDbs: TestDatabase[] = [];

  beforeAll(async () => {
    t = await startTestApp({ env: { AUDIT_CHECKPOINT_INTERVAL: '3' } });
    backups = t.api.app.get(BackupService);
    const owner = await mintUser(t, 'owner');
    const teamId = await teamWithOwner(t, 'Backed up', owner.id);
    const audit = t.api.app.get(AuditService);
    for (let i = 0; i < 20; i++) await t.db.transaction(() => audit.record({ teamId, action: 'test.backup', data: { i } }));
    await t.db.transaction(() => audit.record({ action: 'platform.event' }));
  });
  afterAll(async () => {
    await t?.close();
    for (const d of extraDbs) await d.drop().catch(() => undefined);
  });

  async function emptyDb(): Promise<TestDatabase> {
    const d = await createTestDatabase('avn_restore');
    extraDbs.push(d);
    return d;
  }

  it('backs up encrypted, restores every row into an empty database, and the audit chains verify there', async () => {
    const before = await snapshot(t.database!.url);
    const result = await backups.backup();
    expect(result.key).toMatch(/^backups\/\d{8}T\d{6}Z-[0-9a-f]{8}\.dump\.enc$/);

    // Encrypted before it left the process: no pg_dump signature, no table names in clear.
    const stored = readFileSync(join(t.config.OBJECT_STORE_DIR!, result.key));
    expect(stored.length).toBe(result.bytes);
    expect(stored.subarray(0, 8).toString()).toBe('AVNENC1\n');
    expect(stored.includes(Buffer.from('PGDMP'))).toBe(false);
    expect(stored.includes(Buffer.from('audit_events'))).toBe(false);
    expect((await backups.list()).map((b) => b.key)).toContain(result.key);

    // The original is lost; restore into a brand-new database.
    const target = await emptyDb();
    const restored = await backups.restore(result.key, target.url);
    expect(restored.durationMs).toBeGreaterThan(0);
    expect(await snapshot(target.url)).toEqual(before);

    // A restored deployment needs the original key-encryption key (its key check is in the backup).
    const second = await startTestApp({ database: target, env: { LOCAL_KEY_FILE: t.config.LOCAL_KEY_FILE! } });
    try {
      const verification = await second.api.app.get(AuditVerifier).verify();
      expect(verification).toEqual({ ok: true, checked: before['aventian_audit.audit_events'].rows });
      // The restored deployment keeps appending to the same chains.
      const teamId = (await second.db.asPlatform(() => second.db.query<{ id: string }>(`SELECT id FROM aventian.tbl_teams LIMIT 1`)))[0].id;
      await second.db.transaction(() => second.api.app.get(AuditService).record({ teamId, action: 'after.restore' }));
      await expect(second.api.app.get(AuditVerifier).verify(teamId)).resolves.toMatchObject({ ok: true, checked: 21 });
    } finally {
      await second.close();
    }
  });

  it('refuses to restore into a non-empty database', async () => {
    const [latest] = (await backups.list()).slice(-1);
    await expect(backups.restore(latest.key, t.database!.url)).rejects.toThrow(/not empty/);
  });

  it('a tampered backup fails to restore and leaves the target empty', async () => {
    const [latest] = (await backups.list()).slice(-1);
    const path = join(t.config.OBJECT_STORE_DIR!, latest.key);
    const bytes = readFileSync(path);
    bytes[Math.floor(bytes.length / 2)] ^= 0x01;
    const tampered = join(t.config.DATA_DIR, `tampered-${newId()}.dump.enc`);
    writeFileSync(tampered, bytes);
    const target = await emptyDb();
    await expect(backups.restore(tampered, target.url)).rejects.toThrow(/decryption failed/);
    expect(await relationCount(target.url)).toBe(0);
  });

  it('prunes backups past BACKUP_RETENTION_DAYS but always keeps the newest', async () => {
    await backups.backup();
    const store = t.api.app.get(ObjectStore);
    const all = await backups.list();
    expect(all.length).toBeGreaterThanOrEqual(2);
    const pruned = await backups.prune(new Date(Date.now() + 30 * 86_400_000));
    const left = (await store.list('backups/')).map((o) => o.key);
    // The newest dump and its manifest stay; the pruned ones go with their manifests.
    expect(left).toHaveLength(2);
    expect(left.filter((k) => k.endsWith('.dump.enc'))).toHaveLength(1);
    expect(left.filter((k) => k.endsWith('.manifest.enc'))).toHaveLength(1);
    expect(pruned).toHaveLength(all.length - 1);
  });
});
