import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { PassThrough, Readable, Transform } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { AppConfig } from '@avn/config';
import { SecretProvider } from '@avn/crypto';
import { DatabaseService, newId } from '@avn/database';
import { AuditEventRow, AuditService, ZERO_UUID } from './audit.service';
import { createDecryptStream, createEncryptStream } from './encrypted-stream';
import { ObjectStore } from './object-store';

export interface ArchiveResult {
  teamId: string | null;
  fromSeq: string;
  toSeq: string;
  count: number;
  objectKey: string;
  removed: number;
}

const BATCH = 5000;

/**
 * Moves audit events older than AUDIT_RETENTION_DAYS out of the database: per chain, the oldest
 * contiguous run of old events is written as NDJSON → gzip → AES-256-GCM (streamed) to the object
 * store; then, in one transaction, an `audit.archived` event records the range, its last hash, the
 * object key and the plaintext digest in the chain itself, the pointer row is added, and the SECURITY
 * DEFINER purge function removes exactly that range. A crash before the commit leaves an orphan
 * object and no gap; the next run archives the range again.
 */
@Injectable()
export class AuditArchiver {
  private readonly logger = new Logger(AuditArchiver.name);

  constructor(
    private readonly db: DatabaseService,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly secrets: SecretProvider,
    private readonly store: ObjectStore,
  ) {}

  async archiveExpired(retentionDays = this.config.AUDIT_RETENTION_DAYS): Promise<ArchiveResult[]> {
    // Per chain: the archivable prefix ends just before the first event inside the retention period.
    const chains = await this.db.query<{ chain: string; from_seq: string; upto: string | null }>(
      `SELECT chain, from_seq,
              CASE WHEN first_recent IS NULL THEN max_seq ELSE first_recent - 1 END AS upto
         FROM (SELECT coalesce(team_id, '${ZERO_UUID}'::uuid) AS chain, min(seq) AS from_seq, max(seq) AS max_seq,
                      min(seq) FILTER (WHERE ts >= now() - make_interval(days => $1)) AS first_recent
                 FROM aventian_audit.audit_events GROUP BY 1) s
        WHERE EXISTS (SELECT 1 FROM aventian_audit.audit_events e
                       WHERE coalesce(e.team_id, '${ZERO_UUID}'::uuid) = s.chain AND e.seq = s.from_seq
                         AND e.ts < now() - make_interval(days => $1))`,
      [retentionDays],
    );
    const results: ArchiveResult[] = [];
    for (const c of chains) {
      if (c.upto === null || BigInt(c.upto) < BigInt(c.from_seq)) continue;
      results.push(await this.archiveRange(c.chain === ZERO_UUID ? null : c.chain, BigInt(c.from_seq), BigInt(c.upto), retentionDays));
    }
    return results;
  }

  private async archiveRange(teamId: string | null, fromSeq: bigint, toSeq: bigint, retentionDays: number): Promise<ArchiveResult> {
    const archiveId = newId();
    const objectKey = `audit-archives/${teamId ?? 'platform'}/${fromSeq}-${toSeq}-${archiveId}.ndjson.gz.enc`;
    const digest = createHash('sha256');
    let count = 0;
    let lastHash: Buffer | undefined;
    const rows = this.rows(teamId, fromSeq, toSeq);
    async function* ndjson(): AsyncGenerator<Buffer> {
      for await (const e of rows) {
        const line = Buffer.from(`${JSON.stringify(serialise(e))}\n`, 'utf8');
        digest.update(line);
        count++;
        lastHash = e.hash;
        yield line;
      }
    }
    // pipeline() propagates a failure of any stage to the store's put (no half-written archive).
    const body = new PassThrough();
    const encrypt = await createEncryptStream(this.secrets, 'audit-archive');
    await Promise.all([pipeline(Readable.from(ndjson()), createGzip(), encrypt, body), this.store.put(objectKey, body)]);
    const expected = Number(toSeq - fromSeq + 1n);
    if (count !== expected || !lastHash) {
      await this.store.delete(objectKey);
      throw new Error(`audit archive of ${teamId ?? 'platform'} read ${count} events, expected ${expected}: chain has gaps, run audit:verify`);
    }
    const contentSha256 = digest.digest();
    const removed = await this.db.asPlatform(async () => {
      const pointer = await this.audit.record({
        teamId,
        action: 'audit.archived',
        actorType: 'system',
        actorId: null,
        targetType: 'audit_archive',
        targetId: archiveId,
        data: {
          fromSeq: String(fromSeq),
          toSeq: String(toSeq),
          count,
          lastHash: lastHash!.toString('hex'),
          objectKey,
          contentSha256: contentSha256.toString('hex'),
        },
      });
      await this.db.query(
        `INSERT INTO aventian_audit.audit_archives
           (id, team_id, from_seq, to_seq, event_count, last_hash, object_key, content_sha256, pointer_event_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [archiveId, teamId, String(fromSeq), String(toSeq), count, lastHash, objectKey, contentSha256, pointer.id],
      );
      const r = await this.db.queryOne<{ n: string }>(`SELECT aventian_audit.purge_archived_events($1, $2, $3) AS n`, [
        teamId, String(toSeq), retentionDays,
      ]);
      return Number(r?.n ?? 0);
    });
    this.logger.log(`archived ${count} audit events of ${teamId ?? 'platform'} (seq ${fromSeq}-${toSeq}) to ${objectKey}`);
    return { teamId, fromSeq: String(fromSeq), toSeq: String(toSeq), count, objectKey, removed };
  }

  private async *rows(teamId: string | null, fromSeq: bigint, toSeq: bigint): AsyncGenerator<AuditEventRow> {
    let after = fromSeq - 1n;
    for (;;) {
      const batch = await this.db.query<AuditEventRow>(
        `SELECT id, team_id, seq, ts, actor_id, actor_type, action, target_type, target_id, data, request_id, ip, prev_hash, hash
           FROM aventian_audit.audit_events
          WHERE coalesce(team_id, '${ZERO_UUID}'::uuid) = coalesce($1::uuid, '${ZERO_UUID}'::uuid) AND seq > $2 AND seq <= $3
          ORDER BY coalesce(team_id, '${ZERO_UUID}'::uuid), seq LIMIT ${BATCH}`,
        [teamId, String(after), String(toSeq)],
      );
      for (const row of batch) yield row;
      if (batch.length < BATCH) return;
      after = BigInt(batch[batch.length - 1].seq);
    }
  }

  /** Reads an archive back (decrypt → gunzip → NDJSON lines), e.g. to re-verify archived events. */
  async *readArchive(objectKey: string): AsyncGenerator<Record<string, unknown>> {
    const source = await this.store.get(objectKey);
    const lines = new LineSplitter();
    const done = pipeline(source, createDecryptStream(this.secrets), createGunzip(), lines);
    done.catch(() => undefined); // surfaced by the iteration below / the final await
    for await (const line of lines) yield JSON.parse(String(line)) as Record<string, unknown>;
    await done;
  }
}

/** The archived form of an event: every hashed field, hashes in hex (re-verifiable offline). */
export function serialise(e: AuditEventRow): Record<string, unknown> {
  return {
    id: e.id,
    teamId: e.team_id,
    seq: String(e.seq),
    ts: new Date(e.ts).toISOString(),
    actorId: e.actor_id,
    actorType: e.actor_type,
    action: e.action,
    targetType: e.target_type,
    targetId: e.target_id,
    data: e.data,
    requestId: e.request_id,
    ip: e.ip,
    prevHash: e.prev_hash ? e.prev_hash.toString('hex') : null,
    hash: e.hash.toString('hex'),
  };
}

class LineSplitter extends Transform {
  private rest = '';
  private readonly decoder = new StringDecoder('utf8');
  constructor() {
    super({ readableObjectMode: true });
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    const parts = (this.rest + this.decoder.write(chunk)).split('\n');
    this.rest = parts.pop() ?? '';
    for (const p of parts) if (p) this.push(p);
    done();
  }
  override _flush(done: () => void): void {
    const last = this.rest + this.decoder.end();
    if (last) this.push(last);
    done();
  }
}
