import { Injectable } from '@nestjs/common';
import { DatabaseService } from '@avn/database';

export interface ApiKeyRow {
  id: string;
  product_id: string;
  name: string;
  prefix: string;
  last_used_at: Date | null;
  revoked_at: Date | null;
  created_by: string | null;
  created_at: Date;
}

export interface KeyLookupRow {
  id: string;
  key_hash: Buffer;
  last_used_at: Date | null;
  product_id: string;
  product_code: string;
}

/** `aventian.api_keys` is not team-scoped (a key belongs to a master product): no RLS scope needed. */
@Injectable()
export class ApiKeysRepository {
  constructor(private readonly db: DatabaseService) {}

  async insert(row: {
    id: string;
    productId: string;
    name: string;
    prefix: string;
    hash: Buffer;
    createdBy: string | null;
  }): Promise<ApiKeyRow> {
    const [created] = await this.db.query<ApiKeyRow>(
      `INSERT INTO aventian.api_keys (id, product_id, name, prefix, key_hash, created_by)
       VALUES ($1, $2, $3, $4, $5, $6)
       RETURNING id, product_id, name, prefix, last_used_at, revoked_at, created_by, created_at`,
      [row.id, row.productId, row.name, row.prefix, row.hash, row.createdBy],
    );
    return created;
  }

  listByProduct(productId: string): Promise<ApiKeyRow[]> {
    return this.db.query<ApiKeyRow>(
      `SELECT id, product_id, name, prefix, last_used_at, revoked_at, created_by, created_at
         FROM aventian.api_keys WHERE product_id = $1 ORDER BY created_at, id`,
      [productId],
    );
  }

  /** Revokes once; returns the row (also when it was already revoked), undefined when not the product's key. */
  async revoke(productId: string, keyId: string): Promise<{ row: ApiKeyRow; changed: boolean } | undefined> {
    const updated = await this.db.queryOne<ApiKeyRow>(
      `UPDATE aventian.api_keys SET revoked_at = now()
        WHERE id = $1 AND product_id = $2 AND revoked_at IS NULL
        RETURNING id, product_id, name, prefix, last_used_at, revoked_at, created_by, created_at`,
      [keyId, productId],
    );
    if (updated) return { row: updated, changed: true };
    const existing = await this.db.queryOne<ApiKeyRow>(
      `SELECT id, product_id, name, prefix, last_used_at, revoked_at, created_by, created_at
         FROM aventian.api_keys WHERE id = $1 AND product_id = $2`,
      [keyId, productId],
    );
    return existing ? { row: existing, changed: false } : undefined;
  }

  /** The one indexed lookup per authenticated product request (unique index on prefix). */
  findActiveByPrefix(prefix: string): Promise<KeyLookupRow | undefined> {
    return this.db.queryOne<KeyLookupRow>(
      `SELECT k.id, k.key_hash, k.last_used_at, p.id AS product_id, p.code AS product_code
         FROM aventian.api_keys k
         JOIN aventian.tbl_master_products p ON p.id = k.product_id
        WHERE k.prefix = $1 AND k.revoked_at IS NULL`,
      [prefix],
    );
  }

  /** Conditional, so concurrent instances write at most about once a minute per key. */
  async touch(keyId: string): Promise<void> {
    await this.db.execute(
      `UPDATE aventian.api_keys SET last_used_at = now()
        WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '60 seconds')`,
      [keyId],
    );
  }
}
