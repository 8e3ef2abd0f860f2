import { Injectable } from '@nestjs/common';
import { AuditSigner } from './audit-signer';
import { chainHash, hashPayload } from './audit.service';
import { AuditArchivesRepository } from './repositories/audit-archives.repository';
import { AuditCheckpointsRepository } from './repositories/audit-checkpoints.repository';
import { AuditEventsRepository } from './repositories/audit-events.repository';

export type ChainBreakReason =
  | 'hash_mismatch'
  | 'prev_hash_mismatch'
  | 'seq_gap'
  | 'missing_archive_pointer'
  | 'bad_checkpoint_signature'
  | 'checkpoint_mismatch'
  | 'truncated';

export interface ChainVerification {
  ok: boolean;
  checked: number;
  firstBrokenId?: string;
  reason?: ChainBreakReason;
  teamId?: string | null;
  seq?: string;
}

const BATCH = 2000;

/**
 * Walks a chain in seq order by keyset batches (constant memory whatever its length) and reports
 * the first event that breaks it: recomputed hash differs, prev_hash is not the previous hash,
 * a seq is missing, or a signed checkpoint does not verify / does not match the event. A chain
 * whose head was archived must start right after an archive pointer with the matching last hash.
 */
@Injectable()
export class AuditVerifier {
  constructor(
    private readonly events: AuditEventsRepository,
    private readonly checkpointRows: AuditCheckpointsRepository,
    private readonly archives: AuditArchivesRepository,
    private readonly signer: AuditSigner,
  ) {}

  /** teamId undefined: every chain (platform chain included); null: the platform chain. */
  async verify(teamId?: string | null): Promise<ChainVerification> {
    if (teamId !== undefined) return { ...(await this.verifyChain(teamId)), teamId };
    let checked = 0;
    for (const chain of await this.chains()) {
      const r = await this.verifyChain(chain);
      checked += r.checked;
      if (!r.ok) return { ...r, checked, teamId: chain };
    }
    return { ok: true, checked };
  }

  chains(): Promise<(string | null)[]> {
    return this.events.chains();
  }

  async verifyChain(teamId: string | null): Promise<ChainVerification> {
    let checked = 0;
    let prev: { seq: bigint; hash: Buffer } | undefined;
    let lastSeq = -1n;
    for (;;) {
      const rows = await this.events.chainBatch(teamId, lastSeq, BATCH);
      if (rows.length === 0) break;
      const checkpoints = await this.checkpointRows.between(teamId, BigInt(rows[0].seq), BigInt(rows[rows.length - 1].seq));
      for (const e of rows) {
        const seq = BigInt(e.seq);
        const broken = (reason: ChainBreakReason): ChainVerification => ({ ok: false, checked, firstBrokenId: e.id, reason, seq: e.seq });
        if (!prev) {
          if (seq !== 1n) {
            // The head was archived: a pointer must hand over to this event.
            const archive = await this.archives.pointerEndingAt(teamId, seq - 1n);
            if (!archive) return broken('missing_archive_pointer');
            if (!e.prev_hash || !archive.last_hash.equals(e.prev_hash)) return broken('prev_hash_mismatch');
            // The pointer row must say what the hashed `audit.archived` event says (while that event is live).
            const p = archive.pointer_data;
            if (
              p &&
              (p.lastHash !== archive.last_hash.toString('hex') || p.objectKey !== archive.object_key || p.toSeq !== String(seq - 1n))
            ) {
              return broken('missing_archive_pointer');
            }
          } else if (e.prev_hash !== null) {
            return broken('prev_hash_mismatch');
          }
        } else {
          if (seq !== prev.seq + 1n) return broken('seq_gap');
          if (!e.prev_hash || !e.prev_hash.equals(prev.hash)) return broken('prev_hash_mismatch');
        }
        if (!chainHash(e.prev_hash, hashPayload(e)).equals(e.hash)) return broken('hash_mismatch');
        const cp = checkpoints.get(e.seq);
        if (cp) {
          if (cp.event_id !== e.id || !cp.hash.equals(e.hash)) return broken('checkpoint_mismatch');
          const valid = await this.signer.verify(
            cp.key_id,
            { teamId: cp.team_id, seq: cp.seq, eventId: cp.event_id, hash: cp.hash, ts: cp.ts },
            cp.signature,
          );
          if (!valid) return broken('bad_checkpoint_signature');
        }
        checked++;
        prev = { seq, hash: e.hash };
        lastSeq = seq;
      }
      if (rows.length < BATCH) break;
    }
    // A signed checkpoint past the head means events were cut from the end of the chain.
    const beyond = await this.checkpointRows.firstAfter(teamId, lastSeq);
    if (beyond) return { ok: false, checked, firstBrokenId: beyond.event_id, reason: 'truncated', seq: beyond.seq };
    return { ok: true, checked };
  }
}
