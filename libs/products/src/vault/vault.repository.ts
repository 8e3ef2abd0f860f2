import { Injectable } from '@nestjs/common';
import { DatabaseService } from '@avn/database';

export interface DataKeyRow {
  id: string;
  team_id: string;
  wrapped_key: Buffer;
  kek_id: string;
  kek_version: string;
}

/** A connection row joined with its data key (see `VaultRepository.selectSql`). */
export interface ConnectionRow {
  team_id: string;
  product_code: string;
  ciphertext: Buffer;
  dek_id: string;
  dek_team_id: string;
  wrapped_key: Buffer;
  kek_id: string;
  kek_version: string;
}

const DATA_KEY_COLUMNS = 'id, team_id, wrapped_key, kek_id, kek_version';

/**
 * SQL for aventian.team_data_keys and aventian.team_db_connections (team-scoped: RLS). Team-scoped
 * methods take `teamId` first and join the caller's transaction (ConnectionVault opens it with the
 * team's scope, or the platform scope for rotation).
 */
@Injectable()
export class VaultRepository {
  constructor(private readonly db: DatabaseService) {}

  /** Loads the row + DEK needed to decrypt a team's connection for a product (no status checks). */
  static readonly selectSql = `
    SELECT c.team_id, p.code AS product_code, c.ciphertext,
           k.id AS dek_id, k.team_id AS dek_team_id, k.wrapped_key, k.kek_id, k.kek_version
      FROM aventian.team_db_connections c
      JOIN aventian.tbl_master_products p ON p.id = c.product_id
      JOIN aventian.team_data_keys k ON k.id = c.data_key_id`;

  async upsertConnection(teamId: string, row: { id: string; productId: string; dataKeyId: string; ciphertext: Buffer }): Promise<void> {
    await this.db.query(
      `INSERT INTO aventian.team_db_connections (id, team_id, product_id, data_key_id, ciphertext)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (team_id, product_id) DO UPDATE SET data_key_id = EXCLUDED.data_key_id, ciphertext = EXCLUDED.ciphertext`,
      [row.id, teamId, row.productId, row.dataKeyId, row.ciphertext],
    );
  }

  /** The product's connection of an active team with an active subscription to it (the product-facing read). */
  findServableConnection(teamId: string, productId: string): Promise<ConnectionRow | undefined> {
    return this.db.queryOne<ConnectionRow>(
      `${VaultRepository.selectSql}
        JOIN aventian.tbl_team_product_assoc s ON s.team_id = c.team_id AND s.product_id = c.product_id AND s.status = 'active'
        JOIN aventian.tbl_teams t ON t.id = c.team_id AND t.status = 'active'
       WHERE c.team_id = $1 AND c.product_id = $2`,
      [teamId, productId],
    );
  }

  findActiveDataKey(teamId: string): Promise<DataKeyRow | undefined> {
    return this.db.queryOne<DataKeyRow>(
      `SELECT ${DATA_KEY_COLUMNS} FROM aventian.team_data_keys WHERE team_id = $1 AND status = 'active'`,
      [teamId],
    );
  }

  /** Inserts the team's active DEK unless another writer got there first (then undefined). */
  async insertActiveDataKey(teamId: string, row: { id: string; wrappedKey: Buffer; kekId: string; kekVersion: string }): Promise<boolean> {
    const inserted = await this.db.queryOne<{ id: string }>(
      `INSERT INTO aventian.team_data_keys (id, team_id, wrapped_key, kek_id, kek_version)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (team_id) WHERE status = 'active' DO NOTHING RETURNING id`,
      [row.id, teamId, row.wrappedKey, row.kekId, row.kekVersion],
    );
    return inserted !== undefined;
  }

  /** Every DEK of every team (platform scope: KEK rotation). */
  listAllDataKeys(): Promise<Array<{ id: string; team_id: string }>> {
    return this.db.query<{ id: string; team_id: string }>('SELECT id, team_id FROM aventian.team_data_keys ORDER BY id');
  }

  /** Platform scope (rotation goes DEK by DEK across teams). */
  lockDataKey(dataKeyId: string): Promise<DataKeyRow | undefined> {
    return this.db.queryOne<DataKeyRow>(`SELECT ${DATA_KEY_COLUMNS} FROM aventian.team_data_keys WHERE id = $1 FOR UPDATE`, [dataKeyId]);
  }

  async rewrapDataKey(dataKeyId: string, wrappedKey: Buffer, kek: { id: string; version: string }): Promise<void> {
    await this.db.query('UPDATE aventian.team_data_keys SET wrapped_key = $2, kek_id = $3, kek_version = $4 WHERE id = $1', [
      dataKeyId,
      wrappedKey,
      kek.id,
      kek.version,
    ]);
  }

  /** Locks the team's keys (a concurrent store waits, then writes with the new active key). */
  lockTeamDataKeys(teamId: string): Promise<DataKeyRow[]> {
    return this.db.query<DataKeyRow>(`SELECT ${DATA_KEY_COLUMNS} FROM aventian.team_data_keys WHERE team_id = $1 FOR UPDATE`, [teamId]);
  }

  async retireActiveDataKey(teamId: string): Promise<void> {
    await this.db.query(`UPDATE aventian.team_data_keys SET status = 'retired' WHERE team_id = $1 AND status = 'active'`, [teamId]);
  }

  lockTeamConnections(teamId: string): Promise<Array<{ id: string; data_key_id: string; ciphertext: Buffer; product_code: string }>> {
    return this.db.query(
      `SELECT c.id, c.data_key_id, c.ciphertext, p.code AS product_code
         FROM aventian.team_db_connections c JOIN aventian.tbl_master_products p ON p.id = c.product_id
        WHERE c.team_id = $1 FOR UPDATE OF c`,
      [teamId],
    );
  }

  async reencryptConnection(teamId: string, connectionId: string, dataKeyId: string, ciphertext: Buffer): Promise<void> {
    await this.db.query('UPDATE aventian.team_db_connections SET data_key_id = $3, ciphertext = $4 WHERE team_id = $1 AND id = $2', [
      teamId,
      connectionId,
      dataKeyId,
      ciphertext,
    ]);
  }

  async deleteUnusedRetiredKeys(teamId: string): Promise<void> {
    await this.db.query(
      `DELETE FROM aventian.team_data_keys k WHERE k.team_id = $1 AND k.status = 'retired'
         AND NOT EXISTS (SELECT 1 FROM aventian.team_db_connections c WHERE c.data_key_id = k.id)`,
      [teamId],
    );
  }
}
