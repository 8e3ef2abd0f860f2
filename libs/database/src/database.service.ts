import { Injectable, Logger } from '@nestjs/common';
import type { DataSource, QueryRunner } from 'typeorm';
import type { IsolationLevel } from 'typeorm/driver/types/IsolationLevel';
import { DbScope, transactionStorage, TransactionContext } from './database-context';

/** The part of pg's Pool used by `queryPrepared`. */
interface PgPool {
  query<T>(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: T[] }>;
}

export interface ExecResult<T> {
  rows: T[];
  rowCount: number;
}

export interface TransactionOptions extends DbScope {
  isolation?: IsolationLevel;
}

/**
 * The one way application code talks to PostgreSQL. Repositories call `query`/`execute`; when a
 * transaction is open in the current async context (see `transaction`) the statement joins it, so a
 * service can wrap several repository calls (and the audit write) in one transaction without passing
 * a handle around. This also matters for the embedded database, whose pool has a single connection.
 */
@Injectable()
export class DatabaseService {
  private readonly logger = new Logger(DatabaseService.name);

  constructor(readonly dataSource: DataSource) {}

  async query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.execute<T>(sql, params)).rows;
  }

  async queryOne<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T | undefined> {
    return (await this.execute<T>(sql, params)).rows[0];
  }

  async execute<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<ExecResult<T>> {
    const ctx = transactionStorage.getStore();
    if (ctx) {
      // One connection per transaction: serialise instead of overlapping queries on it.
      const next = ctx.queue.then(() => this.run<T>(ctx.runner, sql, params));
      ctx.queue = next.catch(() => undefined);
      return next;
    }
    const runner = this.dataSource.createQueryRunner();
    try {
      return await this.run<T>(runner, sql, params);
    } finally {
      await runner.release();
    }
  }

  /**
   * A hot single statement (GetUserDetails' miss): outside a transaction it runs straight on the
   * driver's pool as a NAMED prepared statement, so each connection parses and plans it once and
   * later calls send only Bind/Execute (no ORM query-runner either). Inside a transaction it joins
   * it like `query`. `name` must identify `sql` for the life of the process.
   */
  async queryPrepared<T = Record<string, unknown>>(name: string, sql: string, params: unknown[]): Promise<T[]> {
    const pool = transactionStorage.getStore() ? undefined : this.pgPool();
    if (!pool) return this.query<T>(sql, params);
    return (await pool.query<T>({ name, text: sql, values: params })).rows;
  }

  private pgPool(): PgPool | undefined {
    const master = (this.dataSource.driver as unknown as { master?: PgPool }).master;
    return typeof master?.query === 'function' ? master : undefined;
  }

  /** True when called inside `transaction`. */
  get inTransaction(): boolean {
    return transactionStorage.getStore() !== undefined;
  }

  /** The scope of the current transaction, if any. */
  get currentScope(): DbScope | undefined {
    return transactionStorage.getStore()?.scope;
  }

  /**
   * Runs `fn` in a transaction with the given RLS scope. Nested calls join the outer transaction;
   * a nested call with a different scope switches it for its own duration (SET LOCAL semantics) and
   * restores it afterwards. Callbacks registered with `afterCommit` run after COMMIT, before this
   * returns, so a cache invalidation is complete when the write's caller gets its answer.
   */
  async transaction<T>(fn: () => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const outer = transactionStorage.getStore();
    if (outer) return this.withNestedScope(outer, options, fn);

    const runner = this.dataSource.createQueryRunner();
    const ctx: TransactionContext = { runner, scope: pickScope(options), afterCommit: [], queue: Promise.resolve() };
    let result: T;
    try {
      await runner.connect();
      await runner.startTransaction(options.isolation);
      await this.applyScope(runner, ctx.scope);
      result = await transactionStorage.run(ctx, fn);
      await runner.commitTransaction();
    } catch (error) {
      if (runner.isTransactionActive) {
        await runner.rollbackTransaction().catch((e: unknown) => this.logger.warn(`rollback failed: ${String(e)}`));
      }
      throw error;
    } finally {
      await runner.release();
    }
    for (const callback of ctx.afterCommit) await callback();
    return result;
  }

  /** Shorthand for a transaction scoped to one team. */
  inTeam<T>(teamId: string, fn: () => Promise<T>): Promise<T> {
    return this.transaction(fn, { teamId });
  }

  /** Shorthand for a platform-scoped transaction (platform admin, cross-team reads by trusted code). */
  asPlatform<T>(fn: () => Promise<T>): Promise<T> {
    return this.transaction(fn, { platform: true });
  }

  /**
   * Runs `callback` once the surrounding transaction has committed (immediately when there is none).
   * A failed transaction drops its callbacks. Errors thrown by a callback reach the caller of `transaction`.
   */
  async afterCommit(callback: () => unknown): Promise<void> {
    const ctx = transactionStorage.getStore();
    if (ctx) ctx.afterCommit.push(callback);
    else await callback();
  }

  private async withNestedScope<T>(outer: TransactionContext, options: TransactionOptions, fn: () => Promise<T>): Promise<T> {
    const wanted = pickScope(options);
    const hasScope = wanted.teamId !== undefined || wanted.userId !== undefined || wanted.platform !== undefined;
    if (!hasScope || sameScope(outer.scope, wanted)) return fn();
    const previous = outer.scope;
    const merged = { ...previous, ...wanted };
    await this.applyScope(outer.runner, merged);
    outer.scope = merged;
    try {
      return await fn();
    } finally {
      outer.scope = previous;
      // Only restore when the transaction is still usable; an aborted one is about to roll back.
      await this.applyScope(outer.runner, previous).catch(() => undefined);
    }
  }

  private async applyScope(runner: QueryRunner, scope: DbScope): Promise<void> {
    await runner.query(
      `SELECT set_config('app.team_id', $1, true), set_config('app.user_id', $2, true), set_config('app.scope', $3, true)`,
      [scope.teamId ?? '', scope.userId ?? '', scope.platform ? 'platform' : ''],
    );
  }

  private async run<T>(runner: QueryRunner, sql: string, params: unknown[]): Promise<ExecResult<T>> {
    const result = await runner.query(sql, params, true);
    return { rows: (result.records ?? []) as T[], rowCount: result.affected ?? result.records?.length ?? 0 };
  }
}

function pickScope(options: TransactionOptions): DbScope {
  const scope: DbScope = {};
  if (options.teamId !== undefined) scope.teamId = options.teamId;
  if (options.userId !== undefined) scope.userId = options.userId;
  if (options.platform !== undefined) scope.platform = options.platform;
  return scope;
}

function sameScope(a: DbScope, b: DbScope): boolean {
  return (
    (b.teamId === undefined || a.teamId === b.teamId) &&
    (b.userId === undefined || a.userId === b.userId) &&
    (b.platform === undefined || !!a.platform === b.platform)
  );
}
