import { Injectable } from '@nestjs/common';
import { DatabaseService } from '@avn/database';
import { ZERO_UUID } from './audit-events.repository';

const Z = `'${ZERO_UUID}'::uuid`;

export interface ChainHead {
  team_id: string | null;
  id: string;
  seq: string;
  hash: Buffer;
  ts: Date;
}

export interface UnanchoredCheckpoint {
  id: string;
  team_id: string | null;
  seq: string;
  event_id: string;
  hash: Buffer;
  key_id: string;
  signature: Buffer;
  ts: Date;
}

/** SQL of the anchor job: chain heads past their last checkpoint, checkpoints not yet in the object store. */
@Injectable()
export class AuditAnchorsRepository {
  constructor(private readonly db: DatabaseService) {}

  /**
   * The head of every chain whose head is past its last signed checkpoint. One index probe per chain
   * (loose index scan over the chains, backward scan for the head, max over the checkpoint index).
   */
  headsPastCheckpoint(): Promise<ChainHead[]> {
    return this.db.query<ChainHead>(
      `WITH RECURSIVE c(chain) AS (
         (SELECT coalesce(team_id, ${Z}) FROM aventian_audit.audit_events ORDER BY coalesce(team_id, ${Z}) LIMIT 1)
         UNION ALL
         SELECT (SELECT coalesce(e.team_id, ${Z}) FROM aventian_audit.audit_events e
                  WHERE coalesce(e.team_id, ${Z}) > c.chain ORDER BY coalesce(e.team_id, ${Z}) LIMIT 1)
           FROM c WHERE c.chain IS NOT NULL)
       SELECT h.team_id, h.id, h.seq, h.hash, h.ts
         FROM c
         CROSS JOIN LATERAL (SELECT team_id, id, seq, hash, ts FROM aventian_audit.audit_events e
                              WHERE coalesce(e.team_id, ${Z}) = c.chain
                              ORDER BY coalesce(e.team_id, ${Z}) DESC, seq DESC LIMIT 1) h
         LEFT JOIN LATERAL (SELECT max(seq) AS seq FROM aventian_audit.audit_checkpoints k
                             WHERE coalesce(k.team_id, ${Z}) = c.chain) cp ON true
        WHERE c.chain IS NOT NULL AND (cp.seq IS NULL OR h.seq > cp.seq)`,
    );
  }

  unanchored(limit: number): Promise<UnanchoredCheckpoint[]> {
    return this.db.query<UnanchoredCheckpoint>(
      `SELECT k.id, k.team_id, k.seq, k.event_id, k.hash, k.key_id, k.signature, k.ts
         FROM aventian_audit.audit_checkpoints k
        WHERE NOT EXISTS (SELECT 1 FROM aventian_audit.audit_anchors a WHERE a.checkpoint_id = k.id)
        ORDER BY k.id LIMIT $1`,
      [limit],
    );
  }

  async markAnchored(checkpointId: string, objectKey: string): Promise<void> {
    await this.db.query(
      `INSERT INTO aventian_audit.audit_anchors (checkpoint_id, object_key) VALUES ($1, $2) ON CONFLICT (checkpoint_id) DO NOTHING`,
      [checkpointId, objectKey],
    );
  }

  /** The event at (chain, seq), or undefined. */
  eventAt(teamId: string | null, seq: string): Promise<{ id: string; hash: Buffer } | undefined> {
    return this.db.queryOne<{ id: string; hash: Buffer }>(
      `SELECT id, hash FROM aventian_audit.audit_events WHERE coalesce(team_id, ${Z}) = coalesce($1::uuid, ${Z}) AND seq = $2`,
      [teamId, seq],
    );
  }

  headSeq(teamId: string | null): Promise<{ seq: string } | undefined> {
    return this.db.queryOne<{ seq: string }>(
      `SELECT seq FROM aventian_audit.audit_events WHERE coalesce(team_id, ${Z}) = coalesce($1::uuid, ${Z})
        ORDER BY coalesce(team_id, ${Z}) DESC, seq DESC LIMIT 1`,
      [teamId],
    );
  }

  /** Whether an archive (whose events left the database) covers (chain, seq). */
  async archived(teamId: string | null, seq: string): Promise<boolean> {
    const row = await this.db.queryOne(
      `SELECT 1 FROM aventian_audit.audit_archives WHERE coalesce(team_id, ${Z}) = coalesce($1::uuid, ${Z}) AND $2::bigint BETWEEN from_seq AND to_seq`,
      [teamId, seq],
    );
    return row !== undefined;
  }
}
