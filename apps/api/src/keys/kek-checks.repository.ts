import { Injectable } from '@nestjs/common';
import { KeyCheckRecord, KeyCheckStore } from '@avn/crypto';
import { DatabaseService } from '@avn/database';

/** The database's key checks (aventian.kek_checks, migration 0650). */
@Injectable()
export class KekChecksRepository extends KeyCheckStore {
  constructor(private readonly db: DatabaseService) {
    super();
  }

  async list(): Promise<KeyCheckRecord[]> {
    const rows = await this.db.query<{ kek_id: string; kek_version: string; mac: Buffer }>(
      `SELECT kek_id, kek_version, mac FROM aventian.kek_checks ORDER BY created_at, id`,
    );
    return rows.map((r) => ({ kekId: r.kek_id, kekVersion: r.kek_version, mac: r.mac }));
  }

  async insertIfAbsent(record: KeyCheckRecord): Promise<void> {
    await this.db.query(
      `INSERT INTO aventian.kek_checks (kek_id, kek_version, mac) VALUES ($1, $2, $3) ON CONFLICT (kek_id, kek_version) DO NOTHING`,
      [record.kekId, record.kekVersion, record.mac],
    );
  }
}
