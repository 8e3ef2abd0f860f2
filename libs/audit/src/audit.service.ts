import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { RequestContext } from '@avn/common';
import { AppConfig } from '@avn/config';
import { DatabaseService, newId } from '@avn/database';
import { AuditSigner } from './audit-signer';
import { AuditCheckpointsRepository } from './repositories/audit-checkpoints.repository';
import { AuditEventsRepository, ZERO_UUID } from './repositories/audit-events.repository';
import { canonicalJson } from './canonical-json';
import { normalizeAuditData } from './redact';

export type AuditActorType = 'user' | 'product_key' | 'system';

export interface AuditEventInput {
  /** Team whose chain records the event; omit for platform-level events. */
  teamId?: string | null;
  action: string;
  targetType?: string;
  targetId?: string;
  /** Never put secrets here (passwords, tokens, keys, connection strings); such keys are dropped anyway. */
  data?: Record<string, unknown>;
  /** Defaults to the request's principal, else 'system'. */
  actorId?: string | null;
  actorType?: AuditActorType;
}

export interface AuditEventRow {
  id: string;
  team_id: string | null;
  seq: string;
  ts: Date;
  actor_id: string | null;
  actor_type: AuditActorType;
  action: string;
  target_type: string | null;
  target_id: string | null;
  data: Record<string, unknown>;
  request_id: string | null;
  ip: string | null;
  prev_hash: Buffer | null;
  hash: Buffer;
}

export { ZERO_UUID };

/** The fields an event's hash covers (also the archived form, with the hashes added). */
export function hashedFields(e: Omit<AuditEventRow, 'prev_hash' | 'hash'>): Record<string, unknown> {
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
  };
}

/** The fields covered by the hash, in canonical JSON. */
export function hashPayload(e: Omit<AuditEventRow, 'prev_hash' | 'hash'>): string {
  return canonicalJson(hashedFields(e));
}

/** hash = SHA-256(prev_hash ‖ canonical JSON of the event); the first event of a chain has no prev. */
export function chainHash(prevHash: Buffer | null, payload: string): Buffer {
  return createHash('sha256')
    .update(prevHash ?? Buffer.alloc(0))
    .update(payload)
    .digest();
}

const lowerOrNull = (v: string | null | undefined): string | null => (v ? v.toLowerCase() : null);

/**
 * Writes audit events into the per-team hash chain, inside the caller's transaction (the event
 * commits or rolls back with the change it records).
 *
 * Concurrency: writers of one chain take a transaction-scoped advisory lock keyed on the chain and
 * only then read the head. Under READ COMMITTED (the default of DatabaseService.transaction) each
 * statement takes a fresh snapshot, so the head read after the lock sees the previous holder's
 * committed event; the lock is held until the caller's COMMIT/ROLLBACK, so no two transactions can
 * build on the same head. A REPEATABLE READ/SERIALIZABLE caller is refused (its snapshot may predate
 * the lock); the unique (chain, seq) index remains the backstop against a forked chain.
 */
@Injectable()
export class AuditService {
  constructor(
    private readonly db: DatabaseService,
    private readonly events: AuditEventsRepository,
    private readonly checkpoints: AuditCheckpointsRepository,
    private readonly config: AppConfig,
    private readonly signer: AuditSigner,
  ) {}

  async record(input: AuditEventInput): Promise<{ id: string }> {
    const ctx = RequestContext.current();
    // Attribution (not authorization): the request's Actor, unless the caller names one.
    const principal = ctx?.actor;
    const actorType: AuditActorType = input.actorType ?? (principal ? (principal.kind === 'user' ? 'user' : 'product_key') : 'system');
    const actorId =
      input.actorId !== undefined ? input.actorId : principal ? (principal.kind === 'user' ? principal.userId : principal.keyId) : null;
    // Ids are stored as uuid (lower-case on read): hash what will be read back.
    const teamId = lowerOrNull(input.teamId);

    return this.db.transaction(
      async () => {
        const iso = await this.events.lockChain(teamId);
        // A snapshot older than the lock could miss the previous writer's event: fail loudly, not with a 409.
        if (iso !== 'read committed') throw new Error(`AuditService.record needs a READ COMMITTED transaction (got ${iso})`);
        const head = await this.events.head(teamId);
        const row = {
          id: newId(),
          team_id: teamId,
          seq: String(head ? BigInt(head.seq) + 1n : 1n),
          ts: new Date(),
          actor_id: lowerOrNull(actorId),
          actor_type: actorType,
          action: input.action,
          target_type: input.targetType ?? null,
          target_id: input.targetId ?? null,
          data: normalizeAuditData(input.data),
          request_id: ctx?.requestId || null,
          ip: ctx?.ip ?? null,
        };
        const prevHash = head?.hash ?? null;
        const hash = chainHash(prevHash, hashPayload(row));
        await this.events.insert({ ...row, prev_hash: prevHash, hash });
        if (BigInt(row.seq) % BigInt(this.config.AUDIT_CHECKPOINT_INTERVAL) === 0n) {
          await this.checkpoint({ teamId, seq: row.seq, eventId: row.id, hash, ts: row.ts });
        }
        return { id: row.id };
      },
      { platform: true },
    );
  }

  /** Signs and stores a checkpoint of (chain, seq); also used by the anchor job for chain heads. */
  async checkpoint(s: { teamId: string | null; seq: string; eventId: string; hash: Buffer; ts: Date }): Promise<void> {
    const { keyId, signature } = await this.signer.sign(s);
    await this.checkpoints.insert({ id: newId(), ...s, keyId, signature });
  }
}
