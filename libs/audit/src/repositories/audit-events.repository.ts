import { Injectable } from '@nestjs/common';
import { DatabaseService } from '@avn/database';
import type { AuditEventRow } from '../audit.service';
import { Cursor, CSV_KEYS, EVENT_COLUMNS, EXPORT_SELECT, STORED_EVENT_COLUMNS, TS_KEY, Where } from './audit-events.queries';

/** The key of a chain in SQL (`coalesce(team_id, ZERO_UUID)`): the platform chain is team_id NULL. */
export const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
const CHAIN = `coalesce(team_id, '${ZERO_UUID}'::uuid)`;

export interface AuditEventFilter {
  teamId?: string;
  action?: string;
  actorId?: string;
  from?: Date;
  to?: Date;
}

/** A stored event plus its keyset-pagination key. */
export interface EventPageRow extends AuditEventRow {
  ts_key: string;
}

/**
 * SQL for aventian_audit.audit_events: append (under the chain's advisory lock), chain walks in
 * seq order for verification and archiving, and the keyset-paginated reads of the API. The
 * application role may only INSERT and SELECT here (migration 0400); removal goes through the
 * SECURITY DEFINER purge function (AuditArchivesRepository).
 */
@Injectable()
export class AuditEventsRepository {
  constructor(private readonly db: DatabaseService) {}

  /** Takes the chain's transaction-scoped advisory lock; returns the transaction's isolation level. */
  async lockChain(teamId: string | null): Promise<string | undefined> {
    const [row] = await this.db.query<{ iso: string }>(
      `SELECT pg_advisory_xact_lock(hashtext('audit-chain'), hashtext($1)), current_setting('transaction_isolation') AS iso`,
      [teamId ?? 'platform'],
    );
    return row?.iso;
  }

  /** The chain's last event (backward scan of uq_audit_chain_seq: O(log n) whatever the chain length). */
  head(teamId: string | null): Promise<{ seq: string; hash: Buffer } | undefined> {
    return this.db.queryOne<{ seq: string; hash: Buffer }>(
      `SELECT seq, hash FROM aventian_audit.audit_events
        WHERE ${CHAIN} = coalesce($1::uuid, '${ZERO_UUID}'::uuid)
        ORDER BY ${CHAIN} DESC, seq DESC LIMIT 1`,
      [teamId],
    );
  }

  async insert(e: AuditEventRow): Promise<void> {
    await this.db.query(
      `INSERT INTO aventian_audit.audit_events
         (id, team_id, seq, ts, actor_id, actor_type, action, target_type, target_id, data, request_id, ip, prev_hash, hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
      [
        e.id,
        e.team_id,
        e.seq,
        e.ts,
        e.actor_id,
        e.actor_type,
        e.action,
        e.target_type,
        e.target_id,
        JSON.stringify(e.data),
        e.request_id,
        e.ip,
        e.prev_hash,
        e.hash,
      ],
    );
  }

  /** Every chain that has events (null: the platform chain); a loose index scan, one probe per chain. */
  async chains(): Promise<(string | null)[]> {
    const rows = await this.db.query<{ chain: string }>(
      `WITH RECURSIVE c(chain) AS (
         (SELECT ${CHAIN} FROM aventian_audit.audit_events ORDER BY ${CHAIN} LIMIT 1)
         UNION ALL
         SELECT (SELECT coalesce(e.team_id, '${ZERO_UUID}'::uuid) FROM aventian_audit.audit_events e
                  WHERE coalesce(e.team_id, '${ZERO_UUID}'::uuid) > c.chain
                  ORDER BY coalesce(e.team_id, '${ZERO_UUID}'::uuid) LIMIT 1)
           FROM c WHERE c.chain IS NOT NULL)
       SELECT chain FROM c WHERE chain IS NOT NULL`,
    );
    return rows.map((r) => (r.chain === ZERO_UUID ? null : r.chain));
  }

  /** Up to `limit` events of the chain after `afterSeq`, optionally up to `uptoSeq`, in seq order. */
  chainBatch(teamId: string | null, afterSeq: bigint, limit: number, uptoSeq?: bigint): Promise<AuditEventRow[]> {
    if (uptoSeq === undefined) {
      return this.db.query<AuditEventRow>(
        `SELECT ${STORED_EVENT_COLUMNS} FROM aventian_audit.audit_events
          WHERE ${CHAIN} = coalesce($1::uuid, '${ZERO_UUID}'::uuid) AND seq > $2
          ORDER BY ${CHAIN}, seq LIMIT ${Math.trunc(limit)}`,
        [teamId, String(afterSeq)],
      );
    }
    return this.db.query<AuditEventRow>(
      `SELECT ${STORED_EVENT_COLUMNS} FROM aventian_audit.audit_events
        WHERE ${CHAIN} = coalesce($1::uuid, '${ZERO_UUID}'::uuid) AND seq > $2 AND seq <= $3
        ORDER BY ${CHAIN}, seq LIMIT ${Math.trunc(limit)}`,
      [teamId, String(afterSeq), String(uptoSeq)],
    );
  }

  /**
   * Per chain whose first event is older than `retentionDays`: the seq range that may be archived
   * (it ends just before the first event inside the retention period).
   */
  async archivableRanges(retentionDays: number): Promise<Array<{ teamId: string | null; fromSeq: string; upto: string | null }>> {
    const rows = await this.db.query<{ chain: string; from_seq: string; upto: string | null }>(
      `SELECT chain, from_seq,
              CASE WHEN first_recent IS NULL THEN max_seq ELSE first_recent - 1 END AS upto
         FROM (SELECT ${CHAIN} AS chain, min(seq) AS from_seq, max(seq) AS max_seq,
                      min(seq) FILTER (WHERE ts >= now() - make_interval(days => $1)) AS first_recent
                 FROM aventian_audit.audit_events GROUP BY 1) s
        WHERE EXISTS (SELECT 1 FROM aventian_audit.audit_events e
                       WHERE coalesce(e.team_id, '${ZERO_UUID}'::uuid) = s.chain AND e.seq = s.from_seq
                         AND e.ts < now() - make_interval(days => $1))`,
      [retentionDays],
    );
    return rows.map((r) => ({ teamId: r.chain === ZERO_UUID ? null : r.chain, fromSeq: r.from_seq, upto: r.upto }));
  }

  /** One page, newest first on (ts DESC, id DESC) — served by the (team_id, ts, id) and (ts, id) indexes. */
  page(filter: AuditEventFilter, cursor: Cursor | undefined, limit: number): Promise<EventPageRow[]> {
    const w = eventWhere(filter, cursor);
    return this.db.query<EventPageRow>(
      `SELECT ${EVENT_COLUMNS} FROM aventian_audit.audit_events ${w.sql}
        ORDER BY audit_events.ts DESC, audit_events.id DESC LIMIT ${Math.trunc(limit)}`,
      w.params,
    );
  }

  /**
   * One export batch as ready-made text rows: `line` (NDJSON) or the CSV fields in `CSV_KEYS`
   * order, each with its keyset position.
   */
  exportBatch(
    filter: AuditEventFilter,
    cursor: Cursor | undefined,
    format: 'ndjson' | 'csv',
    limit: number,
  ): Promise<Array<Record<string, string | null> & { ts_key: string; cursor_id: string }>> {
    const w = eventWhere(filter, cursor);
    return this.db.query(
      `SELECT ${TS_KEY}, id::text AS cursor_id, ${EXPORT_SELECT[format]} FROM aventian_audit.audit_events ${w.sql}
        ORDER BY audit_events.ts DESC, audit_events.id DESC LIMIT ${Math.trunc(limit)}`,
      w.params,
    );
  }
}

export { CSV_KEYS };

function eventWhere(filter: AuditEventFilter, cursor: Cursor | undefined): Where {
  return new Where()
    .add((p) => `team_id = ${p}::uuid`, filter.teamId)
    .add((p) => `action = ${p}`, filter.action)
    .add((p) => `actor_id = ${p}::uuid`, filter.actorId)
    .add((p) => `ts >= ${p}`, filter.from)
    .add((p) => `ts < ${p}`, filter.to)
    .before(cursor);
}
