import { Injectable } from '@nestjs/common';
import { decodeCursor, Errors, Page, toPage } from '@avn/common';
import { DatabaseService } from '@avn/database';
import type { AuditActorType } from './audit.service';

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

interface EventRow {
  ts_key: string;
  id: string;
  ts: Date;
  team_id: string | null;
  seq: string;
  actor_id: string | null;
  actor_type: AuditActorType;
  action: string;
  target_type: string | null;
  target_id: string | null;
  data: Record<string, unknown>;
  request_id: string | null;
  ip: string | null;
  hash: Buffer;
  prev_hash: Buffer | null;
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
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function parseCursor(cursor: string | undefined): Cursor | undefined {
  const c = decodeCursor<Cursor>(cursor, ['ts', 'id']);
  if (c && (!CURSOR_TS_RE.test(c.ts) || !UUID_RE.test(c.id))) {
    throw Errors.validation('Invalid cursor', [{ field: 'cursor', message: 'cursor is not valid' }]);
  }
  return c;
}

/** Exact (microsecond) sort key for cursors: a JS Date would truncate to ms and skip rows. */
const TS_KEY = `to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ts_key`;
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

  async *streamEvents(filter: AuditEventFilter, batchSize = 5000): AsyncGenerator<AuditEventView> {
    let cursor: Cursor | undefined;
    for (;;) {
      const rows = await this.eventBatch(filter, cursor, batchSize);
      for (const r of rows) yield toEventView(r);
      if (rows.length < batchSize) return;
      const last = rows[rows.length - 1];
      cursor = { ts: last.ts_key, id: last.id };
    }
  }

  private eventBatch(filter: AuditEventFilter, cursor: Cursor | undefined, limit: number): Promise<EventRow[]> {
    const w = new Where();
    w.add((p) => `team_id = ${p}::uuid`, filter.teamId);
    w.add((p) => `action = ${p}`, filter.action);
    w.add((p) => `actor_id = ${p}::uuid`, filter.actorId);
    w.add((p) => `ts >= ${p}`, filter.from);
    w.add((p) => `ts < ${p}`, filter.to);
    w.before(cursor);
    return this.db.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM aventian_audit.audit_events ${w.sql} ORDER BY ts DESC, id DESC LIMIT ${limit}`,
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
        ORDER BY ts DESC, id DESC LIMIT ${limit + 1}`,
      w.params,
    );
    return toPage(
      rows,
      limit,
      (r) => ({ userEmail: r.user_email, teamId: r.team_id, productId: r.product_id, action: r.action, timestamp: r.ts.toISOString(), ip: r.ip }),
      (r) => ({ ts: r.ts_key, id: r.id }),
    );
  }
}
