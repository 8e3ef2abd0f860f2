import { Injectable, Logger } from '@nestjs/common';
import { ProductKeyVerifier, ProductPrincipal } from '@avn/common';
import { transactionStorage } from '@avn/database';
import { ApiKeysRepository } from './api-keys.repository';
import { hashProductKey, lookupPrefix, sameHash } from './product-key';

const TOUCH_INTERVAL_MS = 60_000;
const DUMMY_HASH = Buffer.alloc(32);

/**
 * Verifies `avn_pk_…` bearer keys. Deliberately uncached: one indexed lookup by prefix per request,
 * so a revoke (an UPDATE that commits before DELETE returns) is effective on the very next request
 * on every instance. `last_used_at` is written at most once a minute per key.
 */
@Injectable()
export class ProductKeyVerifierService extends ProductKeyVerifier {
  private readonly logger = new Logger('ProductKeys');
  /** keyId -> when this instance last wrote last_used_at (bounded, see touch). */
  private readonly touched = new Map<string, number>();

  constructor(private readonly keys: ApiKeysRepository) {
    super();
  }

  async verify(key: string): Promise<ProductPrincipal | null> {
    const prefix = lookupPrefix(key);
    if (!prefix) return null;
    const presented = hashProductKey(key);
    const row = await this.keys.findActiveByPrefix(prefix);
    // Compare even when nothing matched so an unknown prefix costs about the same as a wrong secret.
    const match = sameHash(presented, row?.key_hash ?? DUMMY_HASH);
    if (!row || !match) return null;
    await this.touch(row.id, row.last_used_at);
    return { kind: 'product', productId: row.product_id, productCode: row.product_code, keyId: row.id };
  }

  private async touch(keyId: string, lastUsedAt: Date | null): Promise<void> {
    const now = Date.now();
    if (lastUsedAt && now - lastUsedAt.getTime() < TOUCH_INTERVAL_MS) return;
    const mine = this.touched.get(keyId);
    if (mine !== undefined && now - mine < TOUCH_INTERVAL_MS) return;
    if (this.touched.size > 10_000) this.touched.clear();
    this.touched.set(keyId, now);
    try {
      // Outside any caller transaction: bookkeeping must never join (or fail) someone else's work.
      await transactionStorage.exit(() => this.keys.touch(keyId));
    } catch (error) {
      this.logger.warn(`could not record key use: ${(error as Error).message}`);
    }
  }
}
