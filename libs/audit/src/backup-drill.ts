import { randomBytes } from 'node:crypto';
import type { Client } from 'pg';
import { AppConfig, loadConfig } from '@avn/config';
import { SecretProvider } from '@avn/crypto';
import { DatabaseService, openDatabase } from '@avn/database';
import { AuditSigner } from './audit-signer';
import { AuditVerifier, ChainVerification } from './audit-verifier';
import { BackupError, BackupService } from './backup.service';
import { pgClient } from './pg-tools';
import { AuditArchivesRepository } from './repositories/audit-archives.repository';
import { AuditCheckpointsRepository } from './repositories/audit-checkpoints.repository';
import { AuditEventsRepository } from './repositories/audit-events.repository';
import { createDatabase, dropDatabase, tableCounts } from './repositories/backup.queries';

export interface DrillReport {
  key: string;
  scratchDatabase: string;
  restoreMs: number;
  verifyMs: number;
  /** Recovery time: from the start of the download to a verified database. */
  rtoMs: number;
  audit: ChainVerification;
  /** Tables whose restored row count differs from the backup's manifest (empty: all match). */
  countMismatches: { table: string; expected: number | undefined; restored: number | undefined }[];
  tables: Record<string, number>;
  ok: boolean;
}

/**
 * Restore drill: the latest backup goes into a new scratch database on the same server, every audit
 * chain is verified there, every table's row count is compared with the manifest written at backup
 * time (same snapshot as the dump), and the scratch database is dropped whatever happened.
 */
export class BackupDrill {
  constructor(
    private readonly config: AppConfig,
    private readonly backups: BackupService,
    private readonly secrets: SecretProvider,
  ) {}

  async run(log: (line: string) => void = () => undefined): Promise<DrillReport> {
    const ownerUrl = this.config.ownerDatabaseUrl;
    if (!ownerUrl) throw new BackupError('backup:drill needs a real PostgreSQL (DATABASE_URL)');
    const latest = await this.backups.latest();
    if (!latest) throw new BackupError('no backup to drill');
    const manifest = await this.backups.manifest(latest.key);
    const name = `avn_drill_${randomBytes(5).toString('hex')}`;
    const scratch = new URL(ownerUrl);
    scratch.pathname = `/${name}`;
    await this.admin(ownerUrl, (c) => createDatabase(c, name));
    log(`drill: restoring ${latest.key} (${latest.size} bytes) into scratch database ${name}`);
    const started = Date.now();
    try {
      const restored = await this.backups.restore(latest.key, scratch.toString());
      const verifyStarted = Date.now();
      const handle = await openDatabase(
        loadConfig({
          DATABASE_URL: scratch.toString(),
          DATABASE_SSL: String(this.config.DATABASE_SSL),
          MIGRATE_ON_START: 'false',
          DATABASE_POOL_MAX: '2',
          DATABASE_APP_ROLE: this.config.DATABASE_APP_ROLE,
        }),
      );
      let audit: ChainVerification;
      try {
        const db = new DatabaseService(handle.dataSource);
        const checkpoints = new AuditCheckpointsRepository(db);
        const signer = new AuditSigner(db, checkpoints, this.secrets);
        audit = await new AuditVerifier(new AuditEventsRepository(db), checkpoints, new AuditArchivesRepository(db), signer).verify();
      } finally {
        await handle.close();
      }
      const client = pgClient(scratch.toString(), this.config.DATABASE_SSL);
      await client.connect();
      const tables = await tableCounts(client).finally(() => client.end());
      const expected = manifest?.tables ?? {};
      const countMismatches = [...new Set([...Object.keys(expected), ...Object.keys(tables)])]
        .filter((t) => manifest && expected[t] !== tables[t])
        .map((table) => ({ table, expected: expected[table], restored: tables[table] }));
      const done = Date.now();
      return {
        key: latest.key,
        scratchDatabase: name,
        restoreMs: restored.durationMs,
        verifyMs: done - verifyStarted,
        rtoMs: done - started,
        audit,
        countMismatches,
        tables,
        ok: audit.ok && countMismatches.length === 0 && manifest !== undefined,
      };
    } finally {
      await this.admin(ownerUrl, (c) => dropDatabase(c, name));
      log(`drill: dropped scratch database ${name}`);
    }
  }

  private async admin(url: string, fn: (client: Client) => Promise<void>): Promise<void> {
    const client = pgClient(url, this.config.DATABASE_SSL);
    await client.connect();
    try {
      await fn(client);
    } finally {
      await client.end();
    }
  }
}
