import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@avn/config';
import { ArchiveResult, AuditArchiver } from './audit-archiver';
import { ActivityLogRepository } from './repositories/activity-log.repository';
import { RetentionRepository } from './repositories/retention.repository';

/** One short-term-state table: rows matching any criterion whose columns exist, older than the cutoff, go. */
export interface RetentionRule {
  /** schema.table */
  table: string;
  /** Each criterion names the columns it needs; `$1` is the cutoff timestamp. */
  criteria: { columns: string[]; sql: string }[];
}

const c = (sql: string, ...columns: string[]) => ({ columns, sql });

/**
 * Short-term state written by other modules. Table-driven so a table that does not exist (yet) in
 * this build, or lacks a column, is skipped rather than failing the run. Both the names of the
 * brief (aventian.invitations, aventian.mail_outbox) and the tbl_ names in use are listed.
 */
export const DEFAULT_RETENTION_RULES: RetentionRule[] = [
  // Not sessions or refresh tokens: identity's SessionsJanitor is their one owner.
  ...['aventian.tbl_invitations', 'aventian.invitations'].map((table) => ({
    table,
    criteria: [c('accepted_at < $1', 'accepted_at'), c('revoked_at < $1', 'revoked_at'), c('expires_at < $1', 'expires_at')],
  })),
  ...['aventian.tbl_mail_outbox', 'aventian.mail_outbox'].map((table) => ({
    table,
    // Delivered mail, and mail that finally failed (it still holds an address and a body).
    criteria: [c('sent_at < $1', 'sent_at'), c(`status = 'failed' AND updated_at < $1`, 'status', 'updated_at')],
  })),
];

export interface RetentionReport {
  skippedLocked?: boolean;
  tables: { table: string; days: number; deleted: number; skipped?: string }[];
  activityDeleted: number;
  archives: ArchiveResult[];
  durationMs: number;
}

const BATCH = 5000;
const LOCK_KEY = 7_241_337_400; // one retention run per database at a time

/**
 * Retention: deletes expired short-term state (RETENTION_DAYS, per-table overrides in
 * RETENTION_TABLE_DAYS), the activity log older than RETENTION_DAYS, and archives audit events older
 * than AUDIT_RETENTION_DAYS. Deletes go in small batches so no long lock is held. A session advisory
 * lock on a dedicated connection keeps concurrent instances from running it twice.
 */
@Injectable()
export class RetentionService {
  private readonly logger = new Logger(RetentionService.name);
  rules: RetentionRule[] = DEFAULT_RETENTION_RULES;

  constructor(
    private readonly repo: RetentionRepository,
    private readonly activity: ActivityLogRepository,
    private readonly config: AppConfig,
    private readonly archiver: AuditArchiver,
  ) {}

  async run(options: { rules?: RetentionRule[] } = {}): Promise<RetentionReport> {
    const started = Date.now();
    return this.repo.withExclusiveRun(
      LOCK_KEY,
      async () => {
        const tables = [];
        for (const rule of options.rules ?? this.rules) tables.push(await this.purgeTable(rule));
        let activityDeleted = 0;
        for (;;) {
          const n = await this.activity.purgeOlderThan(this.config.RETENTION_DAYS, BATCH);
          activityDeleted += n;
          if (n < BATCH) break;
        }
        const archives = await this.archiver.archiveExpired();
        const report = { tables, activityDeleted, archives, durationMs: Date.now() - started };
        this.logger.log(
          `retention: ${tables.map((t) => `${t.table}=${t.skipped ? `skipped(${t.skipped})` : t.deleted}`).join(' ')} activity=${activityDeleted} archived=${archives.reduce((a, r) => a + r.count, 0)}`,
        );
        return report;
      },
      () => ({ skippedLocked: true, tables: [], activityDeleted: 0, archives: [], durationMs: Date.now() - started }),
    );
  }

  private overrides(): Map<string, number> {
    const map = new Map<string, number>();
    for (const part of this.config.RETENTION_TABLE_DAYS.split(',').filter(Boolean)) {
      const [table, days] = part.split('=');
      map.set(table, Number(days));
    }
    return map;
  }

  private async purgeTable(rule: RetentionRule): Promise<RetentionReport['tables'][number]> {
    const days = this.overrides().get(rule.table) ?? this.config.RETENTION_DAYS;
    const [schema, name] = rule.table.split('.');
    const have = await this.repo.columnsOf(schema, name);
    if (have.size === 0) return { table: rule.table, days, deleted: 0, skipped: 'no such table' };
    const criteria = rule.criteria.filter((x) => x.columns.every((col) => have.has(col)));
    if (criteria.length === 0 || !have.has('id')) return { table: rule.table, days, deleted: 0, skipped: 'no known columns' };
    const cutoff = new Date(Date.now() - days * 86_400_000);
    let deleted = 0;
    for (;;) {
      const n = await this.repo.deleteBatch(
        schema,
        name,
        criteria.map((x) => x.sql),
        cutoff,
        BATCH,
      );
      deleted += n;
      if (n < BATCH) break;
    }
    return { table: rule.table, days, deleted };
  }
}
