import { Readable } from 'node:stream';

export type ExportFormat = 'ndjson' | 'csv';

export const CSV_COLUMNS = [
  'id',
  'ts',
  'teamId',
  'seq',
  'actorId',
  'actorType',
  'action',
  'targetType',
  'targetId',
  'data',
  'requestId',
  'ip',
  'hash',
  'prevHash',
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

/** A byte stream over text chunks; Readable.from pulls the next batch only as the consumer reads (backpressure). */
export function exportStream(chunks: AsyncIterable<string>): Readable {
  return Readable.from(chunks, { objectMode: false });
}
