import { Injectable } from '@nestjs/common';
import { DatabaseService } from '@avn/database';
import { ZERO_UUID } from './audit-events.repository';

export interface ArchiveRow {
  team_id: string | null;
  from_seq: string;
  to_seq: string;
  last_hash: Buffer;
  object_key: string;
  content_sha256: Buffer;
}

const CHAIN = `coalesce(team_id, '${ZERO_UUID}'::uuid)`;

/** SQL for aventian_audit.audit_archives (pointers to archived ranges) and the purge of archived events. */
@Injectable()
export class AuditArchivesRepository {
  constructor(private readonly db: DatabaseService) {}

  async insert(row: {
    id: string;
    teamId: string | null;
    fromSeq: string;
    toSeq: string;
    count: number;
    lastHash: Buffer;
    objectKey: string;
    contentSha256: Buffer;
    pointerEventId: string;
  }): Promise<void> {
    await this.db.query(
      `INSERT INTO aventian_audit.audit_archives
         (id, team_id, from_seq, to_seq, event_count, last_hash, object_key, content_sha256, pointer_event_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [row.id, row.teamId, row.fromSeq, row.toSeq, row.count, row.lastHash, row.objectKey, row.contentSha256, row.pointerEventId],
    );
  }

  /**
   * Removes the chain's events up to `toSeq` through the SECURITY DEFINER function (it refuses
   * events inside the retention period or without an archive pointer); returns how many.
   */
  async purgeArchived(teamId: string | null, toSeq: bigint, retentionDays: number): Promise<number> {
    const r = await this.db.queryOne<{ n: string }>(`SELECT aventian_audit.purge_archived_events($1, $2, $3) AS n`, [
      teamId,
      String(toSeq),
      retentionDays,
    ]);
    return Number(r?.n ?? 0);
  }

  /** The archive ending at `toSeq` of the chain, with the data of its pointer event (while that event is live). */
  pointerEndingAt(
    teamId: string | null,
    toSeq: bigint,
  ): Promise<{ last_hash: Buffer; object_key: string; pointer_data: Record<string, unknown> | null } | undefined> {
    return this.db.queryOne(
      `SELECT a.last_hash, a.object_key, p.data AS pointer_data FROM aventian_audit.audit_archives a
         LEFT JOIN aventian_audit.audit_events p ON p.id = a.pointer_event_id
        WHERE coalesce(a.team_id, '${ZERO_UUID}'::uuid) = coalesce($1::uuid, '${ZERO_UUID}'::uuid) AND a.to_seq = $2`,
      [teamId, String(toSeq)],
    );
  }

  /** Archives of one chain (or of all when `teamId` is undefined), in chain and seq order. */
  list(teamId?: string | null): Promise<ArchiveRow[]> {
    return this.db.query<ArchiveRow>(
      `SELECT team_id, from_seq, to_seq, last_hash, object_key, content_sha256 FROM aventian_audit.audit_archives
        WHERE $1::boolean OR ${CHAIN} = coalesce($2::uuid, '${ZERO_UUID}'::uuid)
        ORDER BY ${CHAIN}, to_seq`,
      [teamId === undefined, teamId ?? null],
    );
  }
}
