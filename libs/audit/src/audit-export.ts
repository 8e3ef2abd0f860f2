import { Readable } from 'node:stream';
import type { AuditEventView } from './audit-query.service';

export type ExportFormat = 'ndjson' | 'csv';

export const CSV_COLUMNS = [
  'id', 'ts', 'teamId', 'seq', 'actorId', 'actorType', 'action', 'targetType', 'targetId', 'data', 'requestId', 'ip', 'hash', 'prevHash',
] as const;

/**
 * RFC 4180 field: quoted when it holds a quote, comma or line break; quotes doubled. A field that
 * a spreadsheet would run as a formula (= + - @ tab CR first) is prefixed with a quote character
 * (OWASP CSV injection advice); the NDJSON export is the lossless format.
 */
export function csvField(value: string | null | undefined): string {
  if (value === null || value === undefined) return '';
  let v = value;
  if (/^[=+\-@\t\r]/.test(v)) v = `'${v}`;
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function csvRow(e: AuditEventView): string {
  const values = [
    e.id, e.ts, e.teamId, e.seq, e.actorId, e.actorType, e.action, e.target?.type ?? null, e.target?.id ?? null,
    JSON.stringify(e.data), e.requestId, e.ip, e.hash, e.prevHash,
  ];
  return `${values.map(csvField).join(',')}\r\n`;
}

/**
 * Serialises an event iterator as a byte stream; pulls one row at a time as the consumer reads
 * (Readable.from honours backpressure), so an HTTP export of a million rows holds one batch at most.
 */
export function exportStream(events: AsyncIterable<AuditEventView>, format: ExportFormat): Readable {
  async function* lines(): AsyncGenerator<string> {
    if (format === 'csv') yield `${CSV_COLUMNS.join(',')}\r\n`;
    let buf = '';
    for await (const e of events) {
      buf += format === 'csv' ? csvRow(e) : `${JSON.stringify(e)}\n`;
      // Coalesce small rows into ~64 KiB writes: far fewer chunks through the socket.
      if (buf.length >= 65536) {
        yield buf;
        buf = '';
      }
    }
    if (buf) yield buf;
  }
  return Readable.from(lines(), { objectMode: false });
}
