import { Injectable } from '@nestjs/common';
import { decodeCursor, Errors, Page, toPage, isUuid } from '@avn/common';
import { DatabaseService } from '@avn/database';
import { csvField } from './audit-export';
import type { AuditActorType, AuditEventRow } from './audit.service';

export interface AuditEventFilter {
  teamId?: string;
  action?: string;
  actorId?: string;
  from?: Date;
  to?: Date;
}

export interface ActivityFilter {
  teamId?: string;
  userEmail?: string;
  productId?: string;
  action?: string;
  from?: Date;
  to?: Date;
}

export interface AuditEventView {
  id: string;
  ts: string;
  teamId: string | null;
  seq: string;
  actorId: string | null;
  actorType: AuditActorType;
  action: string;
  target: { type: string | null; id: string | null } | null;
  data: Record<string, unknown>;
  requestId: string | null;
  ip: string | null;
  hash: string;
  prevHash: string | null;
}

export interface ActivityView {
  userEmail: string | null;
  teamId: string | null;
  productId: string | null;
  action: string;
  timestamp: string;
  ip: string | null;
}

/** A stored event plus its keyset-pagination key. */
interface EventRow extends AuditEventRow {
  ts_key: string;
}

interface ActivityRow {
  ts_key: string;
  id: string;
  user_email: string | null;
  team_id: string | null;
  product_id: string | null;
  action: string;
  ts: Date;
  ip: string | null;
}

type Cursor = { ts: string; id: string };

const CURSOR_TS_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{1,6}Z$/;

function parseCursor(cursor: string | undefined): Cursor | undefined {
  const c = decodeCursor<Cursor>(cursor, ['ts', 'id']);
  if (c && (!CURSOR_TS_RE.test(c.ts) || !isUuid(c.id))) {
    throw Errors.validation('Invalid cursor', [{ field: 'cursor', message: 'cursor is not valid' }]);
  }
  return c;
}

/** Exact (microsecond) sort key for cursors: a JS Date would truncate to ms and skip rows. */
const TS_KEY = `to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ts_key`;
/** ISO-8601 with milliseconds, like Date.toISOString() in the JSON API. */
const TS_MS = `to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const EVENT_COLUMNS = `${TS_KEY}, id, ts, team_id, seq, actor_id, actor_type, action, target_type, target_id, data, request_id, ip, hash, prev_hash`;

export function toEventView(r: EventRow): AuditEventView {
  return {
    id: r.id,
    ts: r.ts.toISOString(),
    teamId: r.team_id,
    seq: String(r.seq),
    actorId: r.actor_id,
    actorType: r.actor_type,
    action: r.action,
    target: r.target_type || r.target_id ? { type: r.target_type, id: r.target_id } : null,
    data: r.data,
    requestId: r.request_id,
    ip: r.ip,
    hash: r.hash.toString('hex'),
    prevHash: r.prev_hash ? r.prev_hash.toString('hex') : null,
  };
}

/** Builds a WHERE clause from optional filters, newest first by (ts, id) keyset. */
class Where {
  readonly parts: string[] = [];
  readonly params: unknown[] = [];
  add(sql: (p: string) => string, value: unknown): void {
    if (value === undefined || value === null || value === '') return;
    this.params.push(value);
    this.parts.push(sql(`$${this.params.length}`));
  }
  before(cursor: Cursor | undefined): void {
    if (!cursor) return;
    this.params.push(cursor.ts, cursor.id);
    const n = this.params.length;
    this.parts.push(`(ts, id) < ($${n - 1}::timestamptz, $${n}::uuid)`);
  }
  get sql(): string {
    return this.parts.length ? `WHERE ${this.parts.join(' AND ')}` : '';
  }
}

/**
 * Reads of the trail and the activity log. Lists are keyset-paginated on (ts DESC, id DESC), which
 * the (team_id, ts DESC, id DESC) and (ts DESC, id DESC) indexes serve; the export walks the same
 * keyset in batches so memory stays flat for millions of rows.
 */
@Injectable()
export class AuditQueryService {
  constructor(private readonly db: DatabaseService) {}

  async listEvents(filter: AuditEventFilter, cursor: string | undefined, limit: number): Promise<Page<AuditEventView>> {
    const rows = await this.eventBatch(filter, parseCursor(cursor), limit + 1);
    return toPage(rows, limit, toEventView, (r) => ({ ts: r.ts_key, id: r.id }));
  }

  /**
   * Export rows as ready-made text: NDJSON lines are built by PostgreSQL (json_build_object over
   * the jsonb column), CSV fields are fetched as text; no per-row JSON parse/stringify in Node.
   */
  async *streamExportLines(filter: AuditEventFilter, format: 'ndjson' | 'csv', batchSize = 5000): AsyncGenerator<string> {
    let cursor: Cursor | undefined;
    const select =
      format === 'ndjson'
        ? `json_build_object('id', id, 'ts', ${TS_MS}, 'teamId', team_id, 'seq', seq::text, 'actorId', actor_id,
             'actorType', actor_type, 'action', action,
             'target', CASE WHEN target_type IS NULL AND target_id IS NULL THEN NULL ELSE json_build_object('type', target_type, 'id', target_id) END,
             'data', data, 'requestId', request_id, 'ip', ip, 'hash', encode(hash, 'hex'), 'prevHash', encode(prev_hash, 'hex'))::text AS line`
        : // c_ aliases: an output column named like a table column would hijack ORDER BY ts, id.
          `id::text AS c_id, ${TS_MS} AS c_ts, team_id::text AS c_team, seq::text AS c_seq, actor_id::text AS c_actor, actor_type AS c_actor_type,
           action AS c_action, target_type AS c_target_type, target_id AS c_target_id, data::text AS c_data, request_id AS c_request,
           ip AS c_ip, encode(hash, 'hex') AS c_hash, encode(prev_hash, 'hex') AS c_prev`;
    const csvKeys = [
      'c_id',
      'c_ts',
      'c_team',
      'c_seq',
      'c_actor',
      'c_actor_type',
      'c_action',
      'c_target_type',
      'c_target_id',
      'c_data',
      'c_request',
      'c_ip',
      'c_hash',
      'c_prev',
    ];
    for (;;) {
      const w = this.eventWhere(filter, cursor);
      const rows = await this.db.query<Record<string, string | null> & { ts_key: string; cursor_id: string }>(
        `SELECT ${TS_KEY}, id::text AS cursor_id, ${select} FROM aventian_audit.audit_events ${w.sql}
          ORDER BY audit_events.ts DESC, audit_events.id DESC LIMIT ${batchSize}`,
        w.params,
      );
      let out = '';
      for (const r of rows) {
        out += format === 'ndjson' ? `${r.line}\n` : `${csvKeys.map((k) => csvField(r[k])).join(',')}\r\n`;
        if (out.length >= 65536) {
          yield out;
          out = '';
        }
      }
      if (out) yield out;
      if (rows.length < batchSize) return;
      const last = rows[rows.length - 1];
      cursor = { ts: last.ts_key, id: last.cursor_id };
    }
  }

  private eventWhere(filter: AuditEventFilter, cursor: Cursor | undefined): Where {
    const w = new Where();
    w.add((p) => `team_id = ${p}::uuid`, filter.teamId);
    w.add((p) => `action = ${p}`, filter.action);
    w.add((p) => `actor_id = ${p}::uuid`, filter.actorId);
    w.add((p) => `ts >= ${p}`, filter.from);
    w.add((p) => `ts < ${p}`, filter.to);
    w.before(cursor);
    return w;
  }

  private eventBatch(filter: AuditEventFilter, cursor: Cursor | undefined, limit: number): Promise<EventRow[]> {
    const w = this.eventWhere(filter, cursor);
    return this.db.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM aventian_audit.audit_events ${w.sql} ORDER BY audit_events.ts DESC, audit_events.id DESC LIMIT ${limit}`,
      w.params,
    );
  }

  async listActivity(filter: ActivityFilter, cursor: string | undefined, limit: number): Promise<Page<ActivityView>> {
    const c = parseCursor(cursor);
    const w = new Where();
    w.add((p) => `team_id = ${p}::uuid`, filter.teamId);
    w.add((p) => `lower(user_email) = lower(${p})`, filter.userEmail);
    w.add((p) => `product_id = ${p}::uuid`, filter.productId);
    w.add((p) => `action = ${p}`, filter.action);
    w.add((p) => `ts >= ${p}`, filter.from);
    w.add((p) => `ts < ${p}`, filter.to);
    w.before(c);
    const rows = await this.db.query<ActivityRow>(
      `SELECT ${TS_KEY}, id, user_email, team_id, product_id, action, ts, ip FROM aventian_audit.activity_log ${w.sql}
        ORDER BY activity_log.ts DESC, activity_log.id DESC LIMIT ${limit + 1}`,
      w.params,
    );
    return toPage(
      rows,
      limit,
      (r) => ({
        userEmail: r.user_email,
        teamId: r.team_id,
        productId: r.product_id,
        action: r.action,
        timestamp: r.ts.toISOString(),
        ip: r.ip,
      }),
      (r) => ({ ts: r.ts_key, id: r.id }),
    );
  }
}
