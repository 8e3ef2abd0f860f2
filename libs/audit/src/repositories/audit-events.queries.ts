/**
 * SQL text of the trail's list and export reads, owned by AuditEventsRepository and
 * ActivityLogRepository (the only callers). Filters are bound parameters; only fixed fragments and
 * integer limits are interpolated.
 */

export type Cursor = { ts: string; id: string };

/** Exact (microsecond) sort key for cursors: a JS Date would truncate to ms and skip rows. */
export const TS_KEY = `to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ts_key`;
/** ISO-8601 with milliseconds, like Date.toISOString() in the JSON API. */
const TS_MS = `to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
export const EVENT_COLUMNS = `${TS_KEY}, id, ts, team_id, seq, actor_id, actor_type, action, target_type, target_id, data, request_id, ip, hash, prev_hash`;
/** Every stored column of an event, in hash order (verification and archives). */
export const STORED_EVENT_COLUMNS =
  'id, team_id, seq, ts, actor_id, actor_type, action, target_type, target_id, data, request_id, ip, prev_hash, hash';

/** Export columns: NDJSON lines built by PostgreSQL, or CSV fields fetched as text. */
export const EXPORT_SELECT = {
  ndjson: `json_build_object('id', id, 'ts', ${TS_MS}, 'teamId', team_id, 'seq', seq::text, 'actorId', actor_id,
             'actorType', actor_type, 'action', action,
             'target', CASE WHEN target_type IS NULL AND target_id IS NULL THEN NULL ELSE json_build_object('type', target_type, 'id', target_id) END,
             'data', data, 'requestId', request_id, 'ip', ip, 'hash', encode(hash, 'hex'), 'prevHash', encode(prev_hash, 'hex'))::text AS line`,
  // c_ aliases: an output column named like a table column would hijack ORDER BY ts, id.
  csv: `id::text AS c_id, ${TS_MS} AS c_ts, team_id::text AS c_team, seq::text AS c_seq, actor_id::text AS c_actor, actor_type AS c_actor_type,
           action AS c_action, target_type AS c_target_type, target_id AS c_target_id, data::text AS c_data, request_id AS c_request,
           ip AS c_ip, encode(hash, 'hex') AS c_hash, encode(prev_hash, 'hex') AS c_prev`,
};
export const CSV_KEYS = [
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

/** Builds a WHERE clause from optional filters, newest first by (ts, id) keyset. */
export class Where {
  readonly parts: string[] = [];
  readonly params: unknown[] = [];
  add(sql: (p: string) => string, value: unknown): this {
    if (value === undefined || value === null || value === '') return this;
    this.params.push(value);
    this.parts.push(sql(`$${this.params.length}`));
    return this;
  }
  before(cursor: Cursor | undefined): this {
    if (!cursor) return this;
    this.params.push(cursor.ts, cursor.id);
    const n = this.params.length;
    this.parts.push(`(ts, id) < ($${n - 1}::timestamptz, $${n}::uuid)`);
    return this;
  }
  get sql(): string {
    return this.parts.length ? `WHERE ${this.parts.join(' AND ')}` : '';
  }
}
