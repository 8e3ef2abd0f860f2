import { Injectable } from '@nestjs/common';
import { decodeCursor, Errors, Page, toPage, isUuid } from '@avn/common';
import { csvField } from './audit-export';
import type { AuditActorType } from './audit.service';
import { ActivityFilter, ActivityLogRepository } from './repositories/activity-log.repository';
import { AuditEventFilter, AuditEventsRepository, CSV_KEYS, EventPageRow } from './repositories/audit-events.repository';

export type { ActivityFilter, AuditEventFilter };

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

type Cursor = { ts: string; id: string };

const CURSOR_TS_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{1,6}Z$/;

function parseCursor(cursor: string | undefined): Cursor | undefined {
  const c = decodeCursor<Cursor>(cursor, ['ts', 'id']);
  if (c && (!CURSOR_TS_RE.test(c.ts) || !isUuid(c.id))) {
    throw Errors.validation('Invalid cursor', [{ field: 'cursor', message: 'cursor is not valid' }]);
  }
  return c;
}

export function toEventView(r: EventPageRow): AuditEventView {
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

/**
 * Reads of the trail and the activity log. Lists are keyset-paginated on (ts DESC, id DESC), which
 * the (team_id, ts DESC, id DESC) and (ts DESC, id DESC) indexes serve; the export walks the same
 * keyset in batches so memory stays flat for millions of rows.
 */
@Injectable()
export class AuditQueryService {
  constructor(
    private readonly events: AuditEventsRepository,
    private readonly activity: ActivityLogRepository,
  ) {}

  async listEvents(filter: AuditEventFilter, cursor: string | undefined, limit: number): Promise<Page<AuditEventView>> {
    const rows = await this.events.page(filter, parseCursor(cursor), limit + 1);
    return toPage(rows, limit, toEventView, (r) => ({ ts: r.ts_key, id: r.id }));
  }

  /**
   * Export rows as ready-made text: NDJSON lines are built by PostgreSQL (json_build_object over
   * the jsonb column), CSV fields are fetched as text; no per-row JSON parse/stringify in Node.
   */
  async *streamExportLines(filter: AuditEventFilter, format: 'ndjson' | 'csv', batchSize = 5000): AsyncGenerator<string> {
    let cursor: Cursor | undefined;
    for (;;) {
      const rows = await this.events.exportBatch(filter, cursor, format, batchSize);
      let out = '';
      for (const r of rows) {
        out += format === 'ndjson' ? `${r.line}\n` : `${CSV_KEYS.map((k) => csvField(r[k])).join(',')}\r\n`;
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

  async listActivity(filter: ActivityFilter, cursor: string | undefined, limit: number): Promise<Page<ActivityView>> {
    const rows = await this.activity.page(filter, parseCursor(cursor), limit + 1);
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
