import { Inject, Injectable } from '@nestjs/common';
import { DATABASE_HANDLE, DatabaseService } from '@avn/database';
import type { DatabaseHandle } from '@avn/database';

/**
 * SQL of the retention job over short-term state owned by other modules (the tables are named by
 * RetentionRule, checked against the catalog first) and its cross-instance lock.
 */
@Injectable()
export class RetentionRepository {
  constructor(
    private readonly db: DatabaseService,
    @Inject(DATABASE_HANDLE) private readonly handle: DatabaseHandle,
  ) {}

  /** Column names of schema.table (empty when the table does not exist in this build). */
  async columnsOf(schema: string, table: string): Promise<Set<string>> {
    const rows = await this.db.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2`,
      [schema, table],
    );
    return new Set(rows.map((r) => r.column_name));
  }

  /**
   * Deletes up to `limit` rows of `"schema"."table"` matching any of `conditions` (each may use
   * `$1`, the cutoff), in the platform scope (these tables may have RLS; retention is a trusted job
   * across tenants). The names come from columnsOf-checked rules, never from input.
   */
  deleteBatch(schema: string, table: string, conditions: string[], cutoff: Date, limit: number): Promise<number> {
    const qualified = `"${schema}"."${table}"`;
    return this.db.asPlatform(async () => {
      const r = await this.db.execute(
        `DELETE FROM ${qualified} WHERE id IN (SELECT id FROM ${qualified} WHERE ${conditions.map((x) => `(${x})`).join(' OR ')} LIMIT ${Math.trunc(limit)})`,
        [cutoff],
      );
      return r.rowCount;
    });
  }

  /**
   * Runs `fn` holding a session advisory lock on a dedicated connection, or `onBusy` when another
   * instance holds it. PGlite has one in-process backend (hence one instance): no lock needed.
   */
  async withExclusiveRun<T>(key: number, fn: () => Promise<T>, onBusy: () => T): Promise<T> {
    if (this.handle.kind === 'pglite') return fn();
    const runner = this.handle.dataSource.createQueryRunner();
    try {
      await runner.connect();
      const [row] = (await runner.query(`SELECT pg_try_advisory_lock($1::bigint) AS ok`, [key])) as { ok: boolean }[];
      if (!row?.ok) return onBusy();
      try {
        return await fn();
      } finally {
        await runner.query(`SELECT pg_advisory_unlock($1::bigint)`, [key]).catch(() => undefined);
      }
    } finally {
      await runner.release();
    }
  }
}
