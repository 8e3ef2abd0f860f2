import { Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppConfig } from '@avn/config';
import { SecretProvider } from '@avn/crypto';
import { ObjectStore, StoredObject } from '@avn/storage';
import { createDecryptStream, createEncryptStream } from './encrypted-stream';
import { BackupError, libpqEnv, pgClient, readAllText, runPgTool } from './pg-tools';
import { beginExportedSnapshot, tableCounts } from './repositories/backup.queries';
import { countUserRelations, ensureAppRole } from './repositories/restore-target.queries';

export { BackupError, libpqEnv } from './pg-tools';

export const BACKUP_PREFIX = 'backups/';
const DUMP_SUFFIX = '.dump.enc';
const MANIFEST_SUFFIX = '.manifest.enc';
const KEY_RE = /^backups\/(\d{8}T\d{6}Z)-[0-9a-f]{8}\.dump\.enc$/;

export interface BackupResult {
  key: string;
  bytes: number;
  durationMs: number;
  pruned: string[];
  /** Row count of every table in the dump's snapshot (also stored, encrypted, beside the dump). */
  tables: Record<string, number>;
}

export interface RestoreResult {
  key: string;
  durationMs: number;
}

/** When a backup was taken, from its key (`backups/<UTC stamp>-<rand>.dump.enc`). */
export function backupTime(key: string): Date | undefined {
  const stamp = KEY_RE.exec(key)?.[1];
  return stamp ? new Date(stamp.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z')) : undefined;
}

/**
 * Encrypted logical backups of the core database. `pg_dump -Fc` runs in a snapshot exported by a
 * REPEATABLE READ transaction that also counts every table, so the manifest's counts are exactly
 * what the dump holds. The dump is encrypted in this process (AES-256-GCM, data key wrapped by the
 * KEK) and streamed to the object store; nothing is written in clear anywhere. Backups older than
 * BACKUP_RETENTION_DAYS are pruned (the newest is always kept). Restore decrypts into `pg_restore`,
 * only into an empty database.
 */
@Injectable()
export class BackupService {
  private readonly logger = new Logger(BackupService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly secrets: SecretProvider,
    private readonly store: ObjectStore,
  ) {}

  /** The owner's connection: the dump must read every row, which RLS denies the app role. */
  private requireUrl(): string {
    const url = this.config.ownerDatabaseUrl;
    if (!url) {
      throw new BackupError(
        'backup needs a real PostgreSQL (DATABASE_URL); the embedded PGlite database is not supported: copy DATA_DIR while the server is stopped',
      );
    }
    return url;
  }

  async backup(): Promise<BackupResult> {
    const url = this.requireUrl();
    const started = Date.now();
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, 'Z');
    const key = `${BACKUP_PREFIX}${stamp}-${randomBytes(4).toString('hex')}${DUMP_SUFFIX}`;
    const snapshot = pgClient(url, this.config.DATABASE_SSL);
    await snapshot.connect();
    let stored: StoredObject;
    let tables: Record<string, number>;
    try {
      const snapshotId = await beginExportedSnapshot(snapshot);
      tables = await tableCounts(snapshot);
      const { child, exited } = runPgTool(
        'pg_dump',
        ['--format=custom', '--compress=6', '--no-password', `--snapshot=${snapshotId}`],
        libpqEnv(url, this.config.DATABASE_SSL),
      );
      const encrypted = new PassThrough();
      const encrypt = await createEncryptStream(this.secrets, 'pg-backup');
      try {
        [, stored] = await Promise.all([pipeline(child.stdout!, encrypt, encrypted), this.store.put(key, encrypted), exited]);
      } catch (error) {
        child.kill('SIGTERM');
        await this.store.delete(key).catch(() => undefined);
        throw error;
      }
    } finally {
      await snapshot.query('COMMIT').catch(() => undefined);
      await snapshot.end();
    }
    await this.writeManifest(key, { key, takenAt: new Date(started).toISOString(), tables });
    const pruned = await this.prune();
    return { key, bytes: stored.size, durationMs: Date.now() - started, pruned, tables };
  }

  /** Every backup, oldest first. */
  async list(): Promise<StoredObject[]> {
    return (await this.store.list(BACKUP_PREFIX)).filter((o) => KEY_RE.test(o.key)).sort((a, b) => (a.key < b.key ? -1 : 1));
  }

  async latest(): Promise<StoredObject | undefined> {
    return (await this.list()).at(-1);
  }

  async prune(now = new Date()): Promise<string[]> {
    const cutoff = now.getTime() - this.config.BACKUP_RETENTION_DAYS * 86_400_000;
    const old = (await this.list()).slice(0, -1).filter((o) => (backupTime(o.key) ?? o.modifiedAt).getTime() < cutoff); // never the newest
    for (const o of old) {
      await this.store.delete(o.key);
      await this.store.delete(manifestKey(o.key));
    }
    return old.map((o) => o.key);
  }

  /** The table counts recorded when the backup was taken (undefined for a backup without manifest). */
  async manifest(key: string): Promise<{ key: string; takenAt: string; tables: Record<string, number> } | undefined> {
    if (!(await this.store.head(manifestKey(key)))) return undefined;
    const source = await this.store.get(manifestKey(key));
    const decrypted = new PassThrough();
    const [text] = await Promise.all([readAllText(decrypted), pipeline(source, createDecryptStream(this.secrets), decrypted)]);
    return JSON.parse(text) as { key: string; takenAt: string; tables: Record<string, number> };
  }

  /** `backup` is an object key (backups/...), 'latest', or a path to a downloaded backup file. */
  async restore(backup: string, targetUrl?: string): Promise<RestoreResult> {
    const target = targetUrl ?? this.requireUrl();
    if (backup === 'latest') {
      const latest = await this.latest();
      if (!latest) throw new BackupError(`no backup in ${this.store.describe(BACKUP_PREFIX)}`);
      backup = latest.key;
    }
    const started = Date.now();
    await this.assertEmpty(target);
    const source = backup.startsWith(BACKUP_PREFIX) || !existsSync(backup) ? await this.store.get(backup) : createReadStream(backup);
    const { child, exited } = runPgTool(
      'pg_restore',
      ['--exit-on-error', '--no-password', '--single-transaction', '--dbname', new URL(target).pathname.replace(/^\//, '') || 'postgres'],
      libpqEnv(target, this.config.DATABASE_SSL),
      true,
    );
    // Decryption failure (wrong key, tampering, truncation) aborts before pg_restore commits
    // (--single-transaction). pg_restore's own error is the more useful one when both fail.
    const [piped, exit] = await Promise.allSettled([
      pipeline(source, createDecryptStream(this.secrets), child.stdin!).catch((e: unknown) => {
        child.kill('SIGTERM');
        throw e;
      }),
      exited,
    ]);
    if (piped.status === 'rejected' && !(piped.reason instanceof Error && /EPIPE/.test(piped.reason.message))) throw piped.reason;
    if (exit.status === 'rejected') throw exit.reason;
    const result = { key: backup, durationMs: Date.now() - started };
    this.logger.log(`restored ${backup} in ${result.durationMs} ms`);
    return result;
  }

  private async writeManifest(key: string, manifest: object): Promise<void> {
    const encrypted = new PassThrough();
    const encrypt = await createEncryptStream(this.secrets, 'pg-backup-manifest');
    await Promise.all([
      pipeline(Readable.from([Buffer.from(JSON.stringify(manifest))]), encrypt, encrypted),
      this.store.put(manifestKey(key), encrypted),
    ]);
  }

  /** Refuses a database holding any relation outside the system schemas; creates the app role if missing. */
  private async assertEmpty(url: string): Promise<void> {
    const client = pgClient(url, this.config.DATABASE_SSL);
    await client.connect();
    try {
      if ((await countUserRelations(client)) > 0) {
        throw new BackupError('the target database is not empty; restore only into a new, empty database');
      }
      await ensureAppRole(client, this.config.DATABASE_APP_ROLE);
    } finally {
      await client.end();
    }
  }
}

const manifestKey = (dumpKey: string) => dumpKey.slice(0, -DUMP_SUFFIX.length) + MANIFEST_SUFFIX;
