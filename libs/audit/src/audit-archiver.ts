import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { PassThrough, Readable, Transform } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { AppConfig } from '@avn/config';
import { SecretProvider } from '@avn/crypto';
import { DatabaseService, newId } from '@avn/database';
import { AuditEventRow, AuditService, chainHash, hashedFields, hashPayload, ZERO_UUID } from './audit.service';
import { createDecryptStream, createEncryptStream } from './encrypted-stream';
import { ObjectStore } from '@avn/storage';
import { AuditArchivesRepository } from './repositories/audit-archives.repository';
import { AuditEventsRepository } from './repositories/audit-events.repository';

export interface ArchiveResult {
  teamId: string | null;
  fromSeq: string;
  toSeq: string;
  count: number;
  objectKey: string;
  removed: number;
}

const BATCH = 5000;
export const MAX_EVENTS_PER_ARCHIVE = 100_000n;

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
    private readonly events: AuditEventsRepository,
    private readonly archives: AuditArchivesRepository,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly secrets: SecretProvider,
    private readonly store: ObjectStore,
  ) {}

  async archiveExpired(retentionDays = this.config.AUDIT_RETENTION_DAYS, maxPerArchive = MAX_EVENTS_PER_ARCHIVE): Promise<ArchiveResult[]> {
    // Per chain: the archivable prefix ends just before the first event inside the retention period.
    const chains = await this.events.archivableRanges(retentionDays);
    const results: ArchiveResult[] = [];
    for (const c of chains) {
      if (c.upto === null || BigInt(c.upto) < BigInt(c.fromSeq)) continue;
      // Bounded pieces: one object and one short purge transaction per MAX_EVENTS_PER_ARCHIVE events.
      for (let from = BigInt(c.fromSeq); from <= BigInt(c.upto); from += maxPerArchive) {
        const to = from + maxPerArchive - 1n < BigInt(c.upto) ? from + maxPerArchive - 1n : BigInt(c.upto);
        results.push(await this.archiveRange(c.teamId, from, to, retentionDays));
      }
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
      throw new Error(
        `audit archive of ${teamId ?? 'platform'} read ${count} events, expected ${expected}: chain has gaps, run audit:verify`,
      );
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
      await this.archives.insert({
        id: archiveId,
        teamId,
        fromSeq: String(fromSeq),
        toSeq: String(toSeq),
        count,
        lastHash: lastHash!,
        objectKey,
        contentSha256,
        pointerEventId: pointer.id,
      });
      return this.archives.purgeArchived(teamId, toSeq, retentionDays);
    });
    this.logger.log(`archived ${count} audit events of ${teamId ?? 'platform'} (seq ${fromSeq}-${toSeq}) to ${objectKey}`);
    return { teamId, fromSeq: String(fromSeq), toSeq: String(toSeq), count, objectKey, removed };
  }

  private async *rows(teamId: string | null, fromSeq: bigint, toSeq: bigint): AsyncGenerator<AuditEventRow> {
    let after = fromSeq - 1n;
    for (;;) {
      const batch = await this.events.chainBatch(teamId, after, BATCH, toSeq);
      for (const row of batch) yield row;
      if (batch.length < BATCH) return;
      after = BigInt(batch[batch.length - 1].seq);
    }
  }

  /**
   * Re-verifies archived ranges offline from the object store: decrypts each archive, checks the
   * plaintext digest, seq contiguity, every hash and prev-hash link, the hand-over to the previous
   * archive and the pointer's last hash. Returns the first problem found.
   */
  async verifyArchives(
    teamId?: string | null,
  ): Promise<{ ok: boolean; archives: number; events: number; objectKey?: string; reason?: string }> {
    const rows = await this.archives.list(teamId);
    let events = 0;
    let previous: { chain: string; lastHash: Buffer; toSeq: bigint } | undefined;
    for (const [i, a] of rows.entries()) {
      const chain = a.team_id ?? ZERO_UUID;
      const fail = (reason: string) => ({ ok: false, archives: i, events, objectKey: a.object_key, reason });
      const before = previous?.chain === chain ? previous : undefined;
      if (before && BigInt(a.from_seq) !== before.toSeq + 1n) return fail('seq_gap_between_archives');
      let prevHash: Buffer | null = before?.lastHash ?? null;
      let expectSeq = BigInt(a.from_seq);
      const digest = createHash('sha256');
      try {
        for await (const line of this.readLines(a.object_key)) {
          digest.update(`${line}\n`, 'utf8');
          const e = JSON.parse(line) as Record<string, unknown>;
          const row = deserialise(e);
          if (BigInt(row.seq) !== expectSeq) return fail('seq_gap');
          if (expectSeq === 1n) {
            if (row.prev_hash !== null) return fail('prev_hash_mismatch');
          } else if (!prevHash) {
            return fail('missing_previous_archive'); // a chain's first archive starts at seq 1
          } else if (!row.prev_hash || !row.prev_hash.equals(prevHash)) {
            return fail('prev_hash_mismatch');
          }
          if (!chainHash(row.prev_hash, hashPayload(row)).equals(row.hash)) return fail('hash_mismatch');
          prevHash = row.hash;
          expectSeq++;
          events++;
        }
      } catch {
        return fail('unreadable');
      }
      if (expectSeq !== BigInt(a.to_seq) + 1n) return fail('incomplete');
      if (!digest.digest().equals(a.content_sha256)) return fail('content_digest_mismatch');
      if (!prevHash || !prevHash.equals(a.last_hash)) return fail('last_hash_mismatch');
      previous = { chain, lastHash: a.last_hash, toSeq: BigInt(a.to_seq) };
    }
    return { ok: true, archives: rows.length, events };
  }

  /** Reads an archive back (decrypt → gunzip → NDJSON lines), e.g. to re-verify archived events. */
  async *readArchive(objectKey: string): AsyncGenerator<Record<string, unknown>> {
    for await (const line of this.readLines(objectKey)) yield JSON.parse(line) as Record<string, unknown>;
  }

  private async *readLines(objectKey: string): AsyncGenerator<string> {
    const source = await this.store.get(objectKey);
    const lines = new LineSplitter();
    const done = pipeline(source, createDecryptStream(this.secrets), createGunzip(), lines);
    done.catch(() => undefined); // surfaced by the iteration below / the final await
    for await (const line of lines) yield String(line);
    await done;
  }
}

/** The archived form of an event: every hashed field, hashes in hex (re-verifiable offline). */
export function serialise(e: AuditEventRow): Record<string, unknown> {
  return { ...hashedFields(e), prevHash: e.prev_hash ? e.prev_hash.toString('hex') : null, hash: e.hash.toString('hex') };
}

function deserialise(e: Record<string, unknown>): AuditEventRow {
  return {
    id: e.id as string,
    team_id: (e.teamId as string | null) ?? null,
    seq: e.seq as string,
    ts: new Date(e.ts as string),
    actor_id: (e.actorId as string | null) ?? null,
    actor_type: e.actorType as AuditEventRow['actor_type'],
    action: e.action as string,
    target_type: (e.targetType as string | null) ?? null,
    target_id: (e.targetId as string | null) ?? null,
    data: (e.data as Record<string, unknown>) ?? {},
    request_id: (e.requestId as string | null) ?? null,
    ip: (e.ip as string | null) ?? null,
    prev_hash: e.prevHash ? Buffer.from(e.prevHash as string, 'hex') : null,
    hash: Buffer.from(e.hash as string, 'hex'),
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
