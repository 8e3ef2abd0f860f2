import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from 'pg';
import { migratedScratchDatabase, schemaCatalog, TestDatabase } from '@avn/testing';

const ROOT = join(__dirname, '..', '..');
const SNAPSHOT = join(ROOT, 'docs', 'schema.snapshot.txt');

/** The `tbl_` tables of the original core model; a new table never takes the prefix (docs/schema.md, "Naming"). */
const LEGACY_PREFIXED = [
  'tbl_users',
  'tbl_teams',
  'tbl_team_members',
  'tbl_master_products',
  'tbl_privileges',
  'tbl_role_templates',
  'tbl_role_template_privileges',
  'tbl_roles',
  'tbl_role_privileges',
  'tbl_member_roles',
  'tbl_platform_role_assignments',
  'tbl_team_product_assoc',
  'tbl_mail_outbox',
  'tbl_invitations',
  'tbl_oauth_identities',
];

/** Tables created after migration 0700 in another engineer's migration range, whose COMMENT is theirs to add. */
const COMMENT_PENDING = ['aventian_audit.audit_anchors'];

describe('schema: snapshot, documentation, naming', () => {
  let database: TestDatabase;
  let client: Client;
  let tables: Array<{ name: string; comment: string | null }>;

  beforeAll(async () => {
    ({ database, client } = await migratedScratchDatabase());
    tables = (
      await client.query<{ name: string; comment: string | null }>(
        `SELECT n.nspname || '.' || c.relname AS name, obj_description(c.oid, 'pg_class') AS comment
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname IN ('aventian', 'aventian_audit') AND c.relkind = 'r' ORDER BY 1`,
      )
    ).rows;
  });
  afterAll(async () => {
    await client?.end();
    await database?.drop();
  });

  it('the migrated schema is the checked-in snapshot (regenerate: npm run schema:snapshot)', async () => {
    const actual = await schemaCatalog(async (sql) => (await client.query(sql)).rows);
    const expected = readFileSync(SNAPSHOT, 'utf8');
    if (actual !== expected) {
      const a = actual.split('\n');
      const e = expected.split('\n');
      const diff = [...a.filter((l) => !e.includes(l)).map((l) => `+ ${l}`), ...e.filter((l) => !a.includes(l)).map((l) => `- ${l}`)];
      throw new Error(`schema differs from docs/schema.snapshot.txt (run npm run schema:snapshot):\n${diff.slice(0, 40).join('\n')}`);
    }
  });

  it('docs/schema.md describes every table', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'schema.md'), 'utf8');
    expect(tables.map((t) => t.name).filter((name) => !doc.includes(`\`${name}\``))).toEqual([]);
  });

  it('every table says in the catalog which library owns it', () => {
    const missing = tables.filter((t) => !COMMENT_PENDING.includes(t.name) && !/^[a-z-]+: \S/.test(t.comment ?? ''));
    expect(missing.map((t) => t.name)).toEqual([]);
  });

  it('every rule trigger and restrictive policy carries its comment', async () => {
    const { rows } = await client.query<{ name: string }>(
      `SELECT c.relname || '.' || t.tgname AS name FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'aventian' AND NOT t.tgisinternal AND t.tgname <> 'trg_set_updated_at'
          AND obj_description(t.oid, 'pg_trigger') IS NULL
       UNION ALL
       SELECT p.tablename || '.' || p.policyname FROM pg_policies p JOIN pg_policy pp ON pp.polname = p.policyname
        WHERE p.schemaname = 'aventian' AND p.permissive = 'RESTRICTIVE' AND obj_description(pp.oid, 'pg_policy') IS NULL`,
    );
    expect(rows.map((r) => r.name)).toEqual([]);
  });

  it('new tables take no tbl_ prefix', () => {
    const prefixed = tables.map((t) => t.name.split('.')[1]).filter((name) => name.startsWith('tbl_'));
    expect(prefixed.filter((name) => !LEGACY_PREFIXED.includes(name))).toEqual([]);
  });
});
