import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Minimal connection the runner needs: simple-protocol queries on ONE session (owner/superuser role). */
export interface MigrationConnection {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

export interface MigrationFile {
  version: string;
  name: string;
  path: string;
  sql: string;
  checksum: string;
  transactional: boolean;
}

export interface MigrationReport {
  applied: string[];
  alreadyApplied: number;
}

export class MigrationError extends Error {
  constructor(
    message: string,
    readonly version?: string,
  ) {
    super(message);
    this.name = 'MigrationError';
  }
}

const FILE_RE = /^(\d{4,})_([a-z0-9_]+)\.sql$/;
const NO_TX_MARKER = /^--\s*avn:no-transaction\b/m;
const LOCK_KEY = 7_241_337_001; // arbitrary constant: one migrator at a time per database

/** Finds the repo's `migrations/` folder whether we run from source, dist or a test. */
export function findMigrationsDir(start = __dirname): string {
  let dir = resolve(start);
  for (;;) {
    const candidate = join(dir, 'migrations');
    if (existsSync(candidate) && existsSync(join(dir, 'package.json'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new MigrationError('migrations/ folder not found');
    dir = parent;
  }
}

export function readMigrations(dir: string): MigrationFile[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  const seen = new Set<string>();
  return files.map((file) => {
    const match = FILE_RE.exec(file);
    if (!match) throw new MigrationError(`bad migration file name ${file} (expected NNNN_name.sql)`);
    const [, version, name] = match;
    if (seen.has(version)) throw new MigrationError(`two migrations share version ${version}`);
    seen.add(version);
    const path = join(dir, file);
    const sql = readFileSync(path, 'utf8');
    return {
      version,
      name,
      path,
      sql,
      checksum: createHash('sha256').update(sql).digest('hex'),
      transactional: !NO_TX_MARKER.test(sql),
    };
  });
}

export interface MigrationRunnerOptions {
  appRole: string;
  /** PGlite is single-user: CONCURRENTLY brings nothing there, and is stripped. */
  embedded: boolean;
  log?: (message: string) => void;
}

/**
 * Forward-only SQL migrations. Each transactional file runs in one transaction together with its
 * bookkeeping, so a failure leaves the schema as it was. Files marked `-- avn:no-transaction` hold
 * only `CREATE INDEX CONCURRENTLY IF NOT EXISTS` statements (large tables, no write lock); on failure
 * the indexes they created are dropped again. A session advisory lock serialises instances that
 * start together.
 */
export class MigrationRunner {
  constructor(
    private readonly conn: MigrationConnection,
    private readonly options: MigrationRunnerOptions,
  ) {}

  async run(migrations: MigrationFile[]): Promise<MigrationReport> {
    await this.conn.query(`SELECT pg_advisory_lock(${LOCK_KEY})`);
    try {
      await this.conn.query(`CREATE SCHEMA IF NOT EXISTS aventian;
        CREATE TABLE IF NOT EXISTS aventian.schema_migrations (
          version text PRIMARY KEY,
          name text NOT NULL,
          checksum text NOT NULL,
          execution_ms integer NOT NULL,
          applied_at timestamptz NOT NULL DEFAULT now()
        )`);
      const appliedRows = await this.conn.query<{ version: string; checksum: string }>(
        'SELECT version, checksum FROM aventian.schema_migrations',
      );
      const applied = new Map(appliedRows.map((r) => [r.version, r.checksum]));
      const report: MigrationReport = { applied: [], alreadyApplied: 0 };
      for (const migration of migrations) {
        const checksum = applied.get(migration.version);
        if (checksum !== undefined) {
          if (checksum !== migration.checksum) {
            throw new MigrationError(
              `migration ${migration.version}_${migration.name} was changed after it was applied; add a new migration instead`,
              migration.version,
            );
          }
          report.alreadyApplied++;
          continue;
        }
        const started = Date.now();
        if (migration.transactional) await this.applyInTransaction(migration, started);
        else await this.applyWithoutTransaction(migration, started);
        this.options.log?.(`applied migration ${migration.version}_${migration.name} in ${Date.now() - started} ms`);
        report.applied.push(`${migration.version}_${migration.name}`);
      }
      return report;
    } finally {
      await this.conn.query(`SELECT pg_advisory_unlock(${LOCK_KEY})`).catch(() => undefined);
    }
  }

  private render(sql: string): string {
    let out = sql.replace(/\$\{APP_ROLE\}/g, this.options.appRole);
    if (this.options.embedded) out = out.replace(/\bCONCURRENTLY\b/gi, '');
    return out;
  }

  private async applyInTransaction(m: MigrationFile, started: number): Promise<void> {
    await this.conn.query('BEGIN');
    try {
      await this.conn.query(this.render(m.sql));
      await this.conn.query(UPDATED_AT_TRIGGERS_SQL);
      await this.conn.query('INSERT INTO aventian.schema_migrations (version, name, checksum, execution_ms) VALUES ($1, $2, $3, $4)', [
        m.version,
        m.name,
        m.checksum,
        Date.now() - started,
      ]);
      await this.conn.query('COMMIT');
    } catch (error) {
      await this.conn.query('ROLLBACK').catch(() => undefined);
      throw new MigrationError(`migration ${m.version}_${m.name} failed: ${errorMessage(error)}`, m.version);
    }
  }

  private async applyWithoutTransaction(m: MigrationFile, started: number): Promise<void> {
    const statements = splitStatements(this.render(m.sql));
    const created: string[] = [];
    try {
      for (const statement of statements) {
        const index = /CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?([a-z0-9_."]+)/i.exec(statement);
        if (!index) throw new MigrationError(`non-transactional migrations may only create indexes: ${statement.slice(0, 60)}`);
        const schema = /\bON\s+(?:ONLY\s+)?([a-z0-9_"]+)\./i.exec(statement)?.[1];
        // Recorded before running: a failed CONCURRENTLY build leaves its own INVALID index behind.
        created.push(index[1].includes('.') || !schema ? index[1] : `${schema}.${index[1]}`);
        await this.conn.query(statement);
      }
      await this.conn.query('INSERT INTO aventian.schema_migrations (version, name, checksum, execution_ms) VALUES ($1, $2, $3, $4)', [
        m.version,
        m.name,
        m.checksum,
        Date.now() - started,
      ]);
    } catch (error) {
      // A failed CONCURRENTLY build leaves an INVALID index behind; drop what this file created.
      for (const name of created.reverse()) {
        await this.conn.query(`DROP INDEX ${this.options.embedded ? '' : 'CONCURRENTLY'} IF EXISTS ${name}`).catch(() => undefined);
      }
      if (error instanceof MigrationError) throw error;
      throw new MigrationError(`migration ${m.version}_${m.name} failed: ${errorMessage(error)}`, m.version);
    }
  }
}

function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter((s) => s.length > 0);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Every table with an `updated_at` column gets the trigger that maintains it. */
const UPDATED_AT_TRIGGERS_SQL = `
DO $$
DECLARE r record;
BEGIN
  IF to_regproc('aventian.set_updated_at') IS NULL THEN RETURN; END IF;
  FOR r IN
    SELECT c.oid::regclass AS tbl
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'updated_at' AND NOT a.attisdropped
    WHERE n.nspname IN ('aventian', 'aventian_audit') AND c.relkind IN ('r', 'p')
      AND NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname = 'trg_set_updated_at')
  LOOP
    EXECUTE format('CREATE TRIGGER trg_set_updated_at BEFORE UPDATE ON %s FOR EACH ROW EXECUTE FUNCTION aventian.set_updated_at()', r.tbl);
  END LOOP;
END $$;`;
