import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { findMigrationsDir, MigrationConnection, MigrationError, MigrationRunner, readMigrations } from '@avn/database';
import { createTestDatabase, TestDatabase } from '@avn/testing';

const APP_ROLE = 'aventian_app';

describe('migrations on real PostgreSQL', () => {
  let database: TestDatabase;
  let owner: Client;
  let conn: MigrationConnection;

  const runner = () => new MigrationRunner(conn, { appRole: APP_ROLE, embedded: false });
  const tables = async () =>
    (
      await owner.query<{ t: string }>(
        `SELECT table_schema || '.' || table_name AS t FROM information_schema.tables WHERE table_schema LIKE 'aventian%' ORDER BY 1`,
      )
    ).rows.map((r) => r.t);

  beforeAll(async () => {
    database = await createTestDatabase();
    owner = new Client({ connectionString: database.url });
    await owner.connect();
    conn = { query: async (sql, params) => (await owner.query(sql, params)).rows };
  });
  afterAll(async () => {
    await owner?.end();
    await database?.drop();
  });

  it('applies the real migrations once and records them with checksums', async () => {
    const files = readMigrations(findMigrationsDir());
    const first = await runner().run(files);
    expect(first.applied.length).toBe(files.length);
    const second = await runner().run(files);
    expect(second).toEqual({ applied: [], alreadyApplied: files.length });
    const rows = (await owner.query('SELECT version, checksum FROM aventian.schema_migrations ORDER BY version')).rows;
    expect(rows.map((r) => r.version)).toEqual(files.map((f) => f.version));
    expect(rows.map((r) => r.checksum)).toEqual(files.map((f) => f.checksum));
  });

  it('gives every application table a uuid primary key, created_at and updated_at', async () => {
    const { rows } = await owner.query<{
      table_name: string;
      has_id: boolean;
      has_created: boolean;
      has_updated: boolean;
      has_trigger: boolean;
    }>(`
      SELECT c.relname AS table_name,
        EXISTS (SELECT 1 FROM pg_attribute a JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary AND a.attnum = ANY (i.indkey)
                WHERE a.attrelid = c.oid AND a.attname = 'id' AND a.atttypid = 'uuid'::regtype) AS has_id,
        EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'created_at' AND NOT a.attisdropped) AS has_created,
        EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'updated_at' AND NOT a.attisdropped) AS has_updated,
        EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname = 'trg_set_updated_at') AS has_trigger
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname IN ('aventian', 'aventian_audit') AND c.relkind = 'r' AND c.relname <> 'schema_migrations'`);
    expect(rows.length).toBeGreaterThan(10);
    const bad = rows.filter((r) => !(r.has_id && r.has_created && r.has_updated && r.has_trigger)).map((r) => r.table_name);
    expect(bad).toEqual([]);
  });

  it('maintains updated_at on update and generates UUIDv7 ids in SQL', async () => {
    const {
      rows: [user],
    } = await owner.query(
      `INSERT INTO aventian.tbl_users (email, email_normalized, display_name) VALUES ('t@example.com', 't@example.com', 'T')
       RETURNING id, created_at, updated_at`,
    );
    expect(user.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // The embedded timestamp is "now" (48-bit unix milliseconds).
    const ms = parseInt(user.id.replace(/-/g, '').slice(0, 12), 16);
    expect(Math.abs(ms - Date.now())).toBeLessThan(60_000);
    await new Promise((r) => setTimeout(r, 20));
    const {
      rows: [after],
    } = await owner.query(`UPDATE aventian.tbl_users SET display_name = 'T2' WHERE id = $1 RETURNING updated_at, created_at`, [user.id]);
    expect(after.updated_at.getTime()).toBeGreaterThan(user.updated_at.getTime());
    expect(after.created_at.getTime()).toBe(user.created_at.getTime());
  });

  it('leaves the schema as it was when a migration fails half-way', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'avn-mig-'));
    try {
      writeFileSync(
        join(dir, '9001_half_broken.sql'),
        `
        CREATE TABLE aventian.tbl_should_not_exist (id uuid PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
        ALTER TABLE aventian.tbl_users ADD COLUMN should_not_exist text;
        SELECT no_such_function();`,
      );
      const before = await tables();
      await expect(runner().run(readMigrations(dir))).rejects.toThrow(/9001_half_broken failed/);
      expect(await tables()).toEqual(before);
      const column = await owner.query(
        `SELECT 1 FROM information_schema.columns WHERE table_name = 'tbl_users' AND column_name = 'should_not_exist'`,
      );
      expect(column.rowCount).toBe(0);
      const recorded = await owner.query(`SELECT 1 FROM aventian.schema_migrations WHERE version = '9001'`);
      expect(recorded.rowCount).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to run when an applied migration was edited', async () => {
    const files = readMigrations(findMigrationsDir());
    const edited = files.map((f, i) => (i === 0 ? { ...f, checksum: 'f'.repeat(64) } : f));
    await expect(runner().run(edited)).rejects.toThrow(MigrationError);
    await expect(runner().run(edited)).rejects.toThrow(/changed after it was applied/);
  });

  it('builds indexes CONCURRENTLY outside a transaction and drops them again on failure', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'avn-mig-'));
    try {
      writeFileSync(
        join(dir, '9002_concurrent_index.sql'),
        `-- avn:no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_users_display_name ON aventian.tbl_users (display_name);`,
      );
      await runner().run(readMigrations(dir));
      const ok = await owner.query(`SELECT indisvalid FROM pg_index WHERE indexrelid = 'aventian.idx_users_display_name'::regclass`);
      expect(ok.rows[0].indisvalid).toBe(true);

      const bad = mkdtempSync(join(tmpdir(), 'avn-mig-'));
      writeFileSync(
        join(bad, '9003_bad_index.sql'),
        `-- avn:no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_users_locale ON aventian.tbl_users (locale);
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS idx_users_status_unique ON aventian.tbl_users (status);`,
      );
      await owner.query(
        `INSERT INTO aventian.tbl_users (email, email_normalized, display_name) VALUES ('u2@example.com', 'u2@example.com', 'U2')`,
      );
      await expect(runner().run(readMigrations(bad))).rejects.toThrow(/9003_bad_index failed/);
      const left = await owner.query(`SELECT indexname FROM pg_indexes WHERE indexname IN ('idx_users_locale', 'idx_users_status_unique')`);
      expect(left.rowCount).toBe(0);
      rmSync(bad, { recursive: true, force: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('serialises concurrent migrators with an advisory lock', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'avn-mig-'));
    const other = new Client({ connectionString: database.url });
    await other.connect();
    try {
      writeFileSync(
        join(dir, '9004_slow.sql'),
        `SELECT pg_sleep(0.3); CREATE TABLE aventian.tbl_once (id uuid PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());`,
      );
      const otherConn: MigrationConnection = { query: async (sql, params) => (await other.query(sql, params)).rows };
      const files = readMigrations(dir);
      const [a, b] = await Promise.all([
        runner().run(files),
        new MigrationRunner(otherConn, { appRole: APP_ROLE, embedded: false }).run(files),
      ]);
      expect(a.applied.length + b.applied.length).toBe(1);
    } finally {
      await other.end();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('as the runtime role', () => {
    let app: Client;
    beforeAll(async () => {
      app = new Client({ connectionString: database.url, options: `-c role=${APP_ROLE}` } as never);
      await app.connect();
    });
    afterAll(async () => {
      await app?.end();
    });

    it('is not the owner, sees no team rows without a scope and only its team with one', async () => {
      const {
        rows: [t1],
      } = await owner.query(`INSERT INTO aventian.tbl_teams (name) VALUES ('one') RETURNING id`);
      await owner.query(`INSERT INTO aventian.tbl_teams (name) VALUES ('two')`);
      expect((await app.query('SELECT current_user AS u')).rows[0].u).toBe(APP_ROLE);
      expect((await app.query('SELECT * FROM aventian.tbl_teams')).rowCount).toBe(0);
      await app.query('BEGIN');
      await app.query(`SELECT set_config('app.team_id', $1, true)`, [t1.id]);
      const scoped = await app.query('SELECT id FROM aventian.tbl_teams');
      await app.query('COMMIT');
      expect(scoped.rows.map((r) => r.id)).toEqual([t1.id]);
    });

    it('cannot change or delete audit events (append-only grants)', async () => {
      await expect(app.query(`UPDATE aventian_audit.audit_events SET action = 'x'`)).rejects.toThrow(/permission denied/);
      await expect(app.query(`DELETE FROM aventian_audit.audit_events`)).rejects.toThrow(/permission denied/);
      await expect(app.query(`DELETE FROM aventian.schema_migrations`)).rejects.toThrow(/permission denied/);
    });
  });
});
