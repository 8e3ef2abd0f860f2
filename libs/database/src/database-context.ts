import { AsyncLocalStorage } from 'node:async_hooks';
import type { QueryRunner } from 'typeorm';

/**
 * Row-level-security scope of a transaction. Policies on team-scoped tables read these settings:
 * - teamId  -> `app.team_id`: rows of that team only;
 * - userId  -> `app.user_id`: the caller's own membership rows across teams (e.g. "my teams");
 * - platform -> `app.scope = 'platform'`: platform-wide operations (platform admin, GetUserDetails, jobs).
 * No scope: team-scoped tables return no rows.
 */
export interface DbScope {
  teamId?: string;
  userId?: string;
  platform?: boolean;
}

export interface TransactionContext {
  runner: QueryRunner;
  scope: DbScope;
  afterCommit: Array<() => unknown>;
  /** Statements of one transaction run one after another, even when issued concurrently (Promise.all). */
  queue: Promise<unknown>;
}

export const transactionStorage = new AsyncLocalStorage<TransactionContext>();
