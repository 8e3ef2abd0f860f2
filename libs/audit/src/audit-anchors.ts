import { Inject, Injectable, Logger } from '@nestjs/common';
import { verify as verifySignature } from 'node:crypto';
import { Readable } from 'node:stream';
import { DATABASE_HANDLE, type DatabaseHandle, DatabaseService, JOB_LOCKS, withJobLock } from '@avn/database';
import { ObjectExistsError, ObjectStore } from '@avn/storage';
import { checkpointMessage } from './audit-signer';
import { AuditService } from './audit.service';
import { canonicalJson } from './canonical-json';
import { AuditAnchorsRepository, UnanchoredCheckpoint } from './repositories/audit-anchors.repository';
import { AuditCheckpointsRepository } from './repositories/audit-checkpoints.repository';

export const ANCHOR_PREFIX = 'audit-anchors/';

/** What an anchor object holds: a signed checkpoint, verifiable without the database. */
export interface AnchorDocument {
  v: 1;
  chain: string;
  seq: string;
  eventId: string;
  hash: string;
  ts: string;
  keyId: string;
  signature: string;
  publicKeyPem: string;
}

export type AnchorProblem = 'truncated' | 'anchor_mismatch' | 'bad_anchor_signature';

export interface AnchorVerification {
  ok: boolean;
  /** Anchors compared with the database. */
  checked: number;
  reason?: AnchorProblem;
  teamId?: string | null;
  /** The anchored seq that the database no longer has (truncated) or has differently (anchor_mismatch). */
  seq?: string;
  /** anchor_mismatch: the rewrite is at or after this seq (one past the chain's last matching anchor). */
  sinceSeq?: string;
  /** anchor_mismatch: the event now at `seq`; truncated: the chain's head seq in the database. */
  firstBrokenId?: string;
  headSeq?: string;
}

export const anchorKey = (teamId: string | null, seq: string): string =>
  `${ANCHOR_PREFIX}${teamId ?? 'platform'}/${seq.padStart(20, '0')}.json`;

/**
 * Audit anchors: every chain whose head is past its last signed checkpoint gets one (within
 * AUDIT_CHECKPOINT_MAX_LAG_SECONDS, see AuditAnchorScheduler), and every checkpoint is written to
 * the object store as `audit-anchors/<chain>/<seq>.json`, where the database owner cannot reach it.
 * Comparing the database with those anchors finds a truncated or rewritten chain even when the
 * rewrite recomputed every hash and removed the checkpoints it contradicted.
 */
@Injectable()
export class AuditAnchors {
  private readonly logger = new Logger(AuditAnchors.name);

  constructor(
    private readonly db: DatabaseService,
    private readonly repo: AuditAnchorsRepository,
    private readonly checkpoints: AuditCheckpointsRepository,
    private readonly audit: AuditService,
    private readonly store: ObjectStore,
    @Inject(DATABASE_HANDLE) private readonly handle: DatabaseHandle,
  ) {}

  /** One pass (one instance at a time): checkpoints the heads past their checkpoint, uploads unanchored checkpoints. */
  async run(): Promise<{ skipped: boolean; checkpointed: number; anchored: number }> {
    const r = await withJobLock(this.handle, JOB_LOCKS.auditAnchors, async () => {
      const heads = await this.repo.headsPastCheckpoint();
      for (const h of heads) {
        await this.db.transaction(
          () => this.audit.checkpoint({ teamId: h.team_id, seq: String(h.seq), eventId: h.id, hash: h.hash, ts: h.ts }),
          { platform: true },
        );
      }
      let anchored = 0;
      for (;;) {
        const batch = await this.repo.unanchored(200);
        for (const cp of batch) if (await this.upload(cp)) anchored++;
        if (batch.length < 200) break;
      }
      return { checkpointed: heads.length, anchored };
    });
    return r.acquired ? { skipped: false, ...r.value } : { skipped: true, checkpointed: 0, anchored: 0 };
  }

  private async upload(cp: UnanchoredCheckpoint): Promise<boolean> {
    const key = anchorKey(cp.team_id, String(cp.seq));
    const publicKeyPem = await this.checkpoints.publicKey(cp.key_id);
    const doc: AnchorDocument = {
      v: 1,
      chain: cp.team_id ?? 'platform',
      seq: String(cp.seq),
      eventId: cp.event_id,
      hash: cp.hash.toString('hex'),
      ts: new Date(cp.ts).toISOString(),
      keyId: cp.key_id,
      signature: cp.signature.toString('base64'),
      publicKeyPem: publicKeyPem ?? '',
    };
    const body = canonicalJson(doc);
    try {
      await this.store.put(key, Readable.from([Buffer.from(body)]));
    } catch (error) {
      if (!(error instanceof ObjectExistsError)) throw error;
      // Written by an earlier pass that stopped before recording it, or a diverged history.
      const existing = await this.read(key);
      if (canonicalJson(existing) !== body) {
        this.logger.error(`audit anchor ${key} differs from the database's checkpoint: run audit:verify --anchors`);
        return false;
      }
    }
    await this.repo.markAnchored(cp.id, key);
    return true;
  }

  private async read(key: string): Promise<AnchorDocument> {
    const parts: Buffer[] = [];
    for await (const c of await this.store.get(key)) parts.push(c as Buffer);
    return JSON.parse(Buffer.concat(parts).toString('utf8')) as AnchorDocument;
  }

  /** Compares the database with every anchor (teamId undefined: all chains; null: the platform chain). */
  async verify(teamId?: string | null): Promise<AnchorVerification> {
    const prefix = teamId === undefined ? ANCHOR_PREFIX : `${ANCHOR_PREFIX}${teamId ?? 'platform'}/`;
    let checked = 0;
    let lastMatch: { chain: string; seq: string } | undefined;
    for await (const o of this.store.iterate(prefix)) {
      if (!o.key.endsWith('.json')) continue;
      const a = await this.read(o.key);
      const chain = a.chain === 'platform' ? null : a.chain;
      const broken = (reason: AnchorProblem, extra: Partial<AnchorVerification> = {}): AnchorVerification => ({
        ok: false,
        checked,
        reason,
        teamId: chain,
        seq: a.seq,
        ...extra,
      });
      const statement = { teamId: chain, seq: a.seq, eventId: a.eventId, hash: Buffer.from(a.hash, 'hex'), ts: new Date(a.ts) };
      let signed: boolean;
      try {
        signed = verifySignature(null, checkpointMessage(statement), a.publicKeyPem, Buffer.from(a.signature, 'base64'));
      } catch {
        signed = false;
      }
      const dbKey = await this.checkpoints.publicKey(a.keyId);
      if (!signed || (dbKey !== undefined && dbKey.trim() !== a.publicKeyPem.trim())) return broken('bad_anchor_signature');
      const event = await this.repo.eventAt(chain, a.seq);
      if (!event) {
        if (await this.repo.archived(chain, a.seq)) {
          checked++;
          continue;
        }
        return broken('truncated', { headSeq: (await this.repo.headSeq(chain))?.seq ?? '0' });
      }
      if (event.id !== a.eventId || !event.hash.equals(statement.hash)) {
        const since = lastMatch?.chain === a.chain ? String(BigInt(lastMatch.seq) + 1n) : '1';
        return broken('anchor_mismatch', { firstBrokenId: event.id, sinceSeq: since });
      }
      lastMatch = { chain: a.chain, seq: a.seq };
      checked++;
    }
    return { ok: true, checked };
  }
}
