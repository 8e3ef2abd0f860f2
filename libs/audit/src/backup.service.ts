import { Injectable, Logger } from '@nestjs/common';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { AppConfig } from '@avn/config';
import { SecretProvider } from '@avn/crypto';
import { createDecryptStream, createEncryptStream } from './encrypted-stream';
import { ObjectStore, StoredObject } from '@avn/storage';
import { countUserRelations, ensureAppRole } from './repositories/restore-target.queries';

export const BACKUP_PREFIX = 'backups/';

export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupError';
  }
}

export interface BackupResult {
  key: string;
  bytes: number;
  durationMs: number;
  pruned: string[];
}

export interface RestoreResult {
  key: string;
  durationMs: number;
}

/**
 * libpq environment for a URL: the password never appears on a command line (ps) or in a log.
 */
export function libpqEnv(url: string, ssl: boolean): NodeJS.ProcessEnv {
  const u = new URL(url);
  const env: NodeJS.ProcessEnv = {
    PGHOST: decodeURIComponent(u.hostname) || 'localhost',
    PGPORT: u.port || '5432',
    PGDATABASE: decodeURIComponent(u.pathname.replace(/^\//, '')),
    PGUSER: decodeURIComponent(u.username) || undefined,
    PGPASSWORD: u.password ? decodeURIComponent(u.password) : undefined,
    PGSSLMODE: ssl ? 'require' : (u.searchParams.get('sslmode') ?? undefined),
    PGCONNECT_TIMEOUT: '10',
  };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return env;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, stdin?: Readable) {
  const child = spawn(cmd, args, { env: { PATH: process.env.PATH, ...env }, stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    if (stderr.length < 8192) stderr += d.toString('utf8');
  });
  const exited = new Promise<void>((resolve, reject) => {
    child.on('error', (e) => reject(new BackupError(`${cmd} could not start: ${e.message}`)));
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new BackupError(`${cmd} exited with ${code}: ${stderr.trim().slice(0, 2000)}`)),
    );
  });
  return { child, exited };
}

/**
 * Encrypted logical backups of the core database. `pg_dump -Fc` output is encrypted in this process
 * (AES-256-GCM, data key wrapped by the KEK) before it is written anywhere, then stored in the
 * object store; backups older than BACKUP_RETENTION_DAYS are pruned (the newest is always kept).
 * Restore decrypts into `pg_restore` and only into an empty database.
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
    const key = `${BACKUP_PREFIX}${stamp}-${randomBytes(4).toString('hex')}.dump.enc`;
    const { child, exited } = run('pg_dump', ['--format=custom', '--compress=6', '--no-password'], libpqEnv(url, this.config.DATABASE_SSL));
    const encrypted = new PassThrough();
    const encrypt = await createEncryptStream(this.secrets, 'pg-backup');
    let stored: StoredObject;
    try {
      [, stored] = await Promise.all([pipeline(child.stdout!, encrypt, encrypted), this.store.put(key, encrypted), exited]);
    } catch (error) {
      child.kill('SIGTERM');
      await this.store.delete(key).catch(() => undefined);
      throw error;
    }
    const pruned = await this.prune();
    const result = { key, bytes: stored.size, durationMs: Date.now() - started, pruned };
    this.logger.log(`backup ${key} (${stored.size} bytes) in ${result.durationMs} ms`);
    return result;
  }

  async list(): Promise<StoredObject[]> {
    return this.store.list(BACKUP_PREFIX);
  }

  async prune(now = new Date()): Promise<string[]> {
    const all = (await this.list()).filter((o) => o.key.endsWith('.dump.enc')).sort((a, b) => +a.modifiedAt - +b.modifiedAt);
    const cutoff = now.getTime() - this.config.BACKUP_RETENTION_DAYS * 86_400_000;
    const old = all.slice(0, -1).filter((o) => o.modifiedAt.getTime() < cutoff); // never delete the newest
    for (const o of old) await this.store.delete(o.key);
    return old.map((o) => o.key);
  }

  /** `backup` is an object key (backups/...) or a path to a downloaded backup file. */
  async restore(backup: string, targetUrl?: string): Promise<RestoreResult> {
    const target = targetUrl ?? this.requireUrl();
    const started = Date.now();
    await this.assertEmpty(target);
    const source = backup.startsWith(BACKUP_PREFIX) || !existsSync(backup) ? await this.store.get(backup) : createReadStream(backup);
    const decrypted = new PassThrough();
    const { child, exited } = run(
      'pg_restore',
      ['--exit-on-error', '--no-password', '--single-transaction', '--dbname', new URL(target).pathname.replace(/^\//, '') || 'postgres'],
      libpqEnv(target, this.config.DATABASE_SSL),
      decrypted,
    );
    // Decryption failure (wrong key, tampering, truncation) aborts before pg_restore commits
    // (--single-transaction). pg_restore's own error is the more useful one when both fail.
    const [piped, exit] = await Promise.allSettled([
      pipeline(source, createDecryptStream(this.secrets), decrypted, child.stdin!).catch((e: unknown) => {
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

  /** Refuses a database holding any relation outside the system schemas; creates the app role if missing. */
  private async assertEmpty(url: string): Promise<void> {
    const client = new Client({ connectionString: url, ssl: this.config.DATABASE_SSL ? { rejectUnauthorized: false } : undefined });
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
