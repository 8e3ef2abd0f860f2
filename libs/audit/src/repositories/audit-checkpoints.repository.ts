import { Injectable } from '@nestjs/common';
import { DatabaseService } from '@avn/database';
import { ZERO_UUID } from './audit-events.repository';

export interface CheckpointRow {
  team_id: string | null;
  seq: string;
  event_id: string;
  hash: Buffer;
  key_id: string;
  signature: Buffer;
  ts: Date;
}

const CHAIN = `coalesce(team_id, '${ZERO_UUID}'::uuid)`;

/** SQL for aventian_audit.audit_checkpoints (signed chain heads) and aventian_audit.audit_signing_keys. */
@Injectable()
export class AuditCheckpointsRepository {
  constructor(private readonly db: DatabaseService) {}

  async insert(row: {
    id: string;
    teamId: string | null;
    seq: string;
    eventId: string;
    hash: Buffer;
    keyId: string;
    signature: Buffer;
    ts: Date;
  }) {
    await this.db.query(
      `INSERT INTO aventian_audit.audit_checkpoints (id, team_id, seq, event_id, hash, key_id, signature, ts)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [row.id, row.teamId, row.seq, row.eventId, row.hash, row.keyId, row.signature, row.ts],
    );
  }

  /** Checkpoints of the chain with seq in [from, to], keyed by seq. */
  async between(teamId: string | null, from: bigint, to: bigint): Promise<Map<string, CheckpointRow>> {
    const rows = await this.db.query<CheckpointRow>(
      `SELECT team_id, seq, event_id, hash, key_id, signature, ts FROM aventian_audit.audit_checkpoints
        WHERE ${CHAIN} = coalesce($1::uuid, '${ZERO_UUID}'::uuid) AND seq BETWEEN $2 AND $3`,
      [teamId, String(from), String(to)],
    );
    return new Map(rows.map((r) => [String(r.seq), r]));
  }

  /** The first checkpoint of the chain past `seq` (one past the head means the chain was cut). */
  firstAfter(teamId: string | null, seq: bigint): Promise<{ event_id: string; seq: string } | undefined> {
    return this.db.queryOne<{ event_id: string; seq: string }>(
      `SELECT event_id, seq FROM aventian_audit.audit_checkpoints
        WHERE ${CHAIN} = coalesce($1::uuid, '${ZERO_UUID}'::uuid) AND seq > $2 ORDER BY seq LIMIT 1`,
      [teamId, String(seq)],
    );
  }

  // --- signing keys ---

  listSigningKeys(): Promise<Array<{ id: string; public_key: string; created_at: Date }>> {
    return this.db.query<{ id: string; public_key: string; created_at: Date }>(
      `SELECT id, public_key, created_at FROM aventian_audit.audit_signing_keys ORDER BY created_at, id`,
    );
  }

  async publicKey(keyId: string): Promise<string | undefined> {
    const row = await this.db.queryOne<{ public_key: string }>(`SELECT public_key FROM aventian_audit.audit_signing_keys WHERE id = $1`, [
      keyId,
    ]);
    return row?.public_key;
  }

  /** Serialises key creation across instances (transaction-scoped): a deployment ends up with one key. */
  async lockSigningKeys(): Promise<void> {
    await this.db.query(`SELECT pg_advisory_xact_lock(hashtext('audit-signing-key'))`);
  }

  newestSigningKey(): Promise<{ id: string; private_key_sealed: Buffer; kek_id: string; kek_version: string } | undefined> {
    return this.db.queryOne<{ id: string; private_key_sealed: Buffer; kek_id: string; kek_version: string }>(
      `SELECT id, private_key_sealed, kek_id, kek_version FROM aventian_audit.audit_signing_keys ORDER BY created_at DESC, id DESC LIMIT 1`,
    );
  }

  async insertSigningKey(row: { id: string; publicKeyPem: string; sealed: Buffer; kekId: string; kekVersion: string }): Promise<void> {
    await this.db.query(
      `INSERT INTO aventian_audit.audit_signing_keys (id, public_key, private_key_sealed, kek_id, kek_version)
       VALUES ($1, $2, $3, $4, $5)`,
      [row.id, row.publicKeyPem, row.sealed, row.kekId, row.kekVersion],
    );
  }
}
