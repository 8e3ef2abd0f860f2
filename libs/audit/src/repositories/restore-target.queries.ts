import type { Client } from 'pg';

/**
 * The catalog checks BackupService runs on a restore target (its own connection to another
 * database, not the application's DatabaseService).
 */

/** Relations outside the system schemas: a restore only goes into a new, empty database. */
export async function countUserRelations(client: Client): Promise<number> {
  const { rows } = await client.query<{ n: string }>(
    `SELECT count(*) AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'`,
  );
  return Number(rows[0].n);
}

/** Grants in the dump name the app role; on a fresh cluster it must exist first. `role` is validated config (an identifier). */
export async function ensureAppRole(client: Client, role: string): Promise<void> {
  await client.query(
    `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${role}') THEN CREATE ROLE ${role} NOLOGIN NOSUPERUSER NOBYPASSRLS; END IF; END $$`,
  );
}
