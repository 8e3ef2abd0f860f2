import { Injectable } from '@nestjs/common';
import { DatabaseService } from '@avn/database';

export interface SigningKeyRow {
  id: string;
  kid: string;
  alg: 'ES256';
  public_jwk: Record<string, unknown>;
  private_key_sealed: Buffer;
  kek_id: string;
  kek_version: string;
  status: 'active' | 'retired';
  verify_until: Date | null;
  created_at: Date;
}

/** SQL for aventian.signing_keys (platform data, no RLS). */
@Injectable()
export class SigningKeysRepository {
  constructor(private readonly db: DatabaseService) {}

  /** Keys that may still verify a token: the active ones and retired ones inside their grace period. */
  usable(): Promise<SigningKeyRow[]> {
    return this.db.query<SigningKeyRow>(
      `SELECT id, kid, alg, public_jwk, private_key_sealed, kek_id, kek_version, status, verify_until, created_at
         FROM aventian.signing_keys
        WHERE status = 'active' OR verify_until > now()
        ORDER BY created_at DESC, id DESC`,
    );
  }

  /** Serialises key creation and rotation across instances (transaction-scoped). */
  async lock(): Promise<void> {
    await this.db.query(`SELECT pg_advisory_xact_lock(hashtext('aventian.signing-keys'))`);
  }

  async hasActive(): Promise<boolean> {
    return !!(await this.db.queryOne(`SELECT 1 FROM aventian.signing_keys WHERE status = 'active' LIMIT 1`));
  }

  async insert(row: {
    id: string;
    kid: string;
    publicJwk: Record<string, unknown>;
    sealed: Buffer;
    kekId: string;
    kekVersion: string;
  }): Promise<void> {
    await this.db.query(
      `INSERT INTO aventian.signing_keys (id, kid, public_jwk, private_key_sealed, kek_id, kek_version)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [row.id, row.kid, JSON.stringify(row.publicJwk), row.sealed, row.kekId, row.kekVersion],
    );
  }

  /** Retires every active key except `keepId`; they verify for `graceSeconds` more. */
  async retireOthers(keepId: string, graceSeconds: number): Promise<string[]> {
    const rows = await this.db.query<{ kid: string }>(
      `UPDATE aventian.signing_keys
          SET status = 'retired', retired_at = now(), verify_until = now() + make_interval(secs => $2)
        WHERE status = 'active' AND id <> $1 RETURNING kid`,
      [keepId, graceSeconds],
    );
    return rows.map((r) => r.kid);
  }

  /** Drops retired keys whose grace period ended a day ago (nothing they signed can verify). */
  async pruneExpired(): Promise<number> {
    const result = await this.db.execute(
      `DELETE FROM aventian.signing_keys WHERE status = 'retired' AND verify_until < now() - interval '1 day'`,
    );
    return result.rowCount;
  }
}
