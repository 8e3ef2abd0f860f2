import { Injectable } from '@nestjs/common';
import { AuditService } from '@avn/audit';
import { Errors, ProductPrincipal, isUuid } from '@avn/common';
import { DatabaseService } from '@avn/database';
import { ConnectionVault } from './connection-vault.service';
import { VaultRepository } from './vault.repository';

/**
 * The product-facing read of a team's connection string. Answers only for the calling product and
 * only while the team (active) holds an active subscription to it; anything else is 404, so a
 * product cannot probe other products' or teams' data. Every successful read is audited in the
 * team's chain, in the same transaction (no audit, no secret).
 */
@Injectable()
export class DbConnectionReader {
  constructor(
    private readonly db: DatabaseService,
    private readonly vault: ConnectionVault,
    private readonly repo: VaultRepository,
    private readonly audit: AuditService,
  ) {}

  async read(product: ProductPrincipal, teamId: string): Promise<{ teamId: string; productCode: string; connectionString: string }> {
    if (!isUuid(teamId)) throw Errors.notFound('Connection');
    return this.db.inTeam(teamId, async () => {
      const row = await this.repo.findServableConnection(teamId, product.productId);
      if (!row) throw Errors.notFound('Connection');
      const connectionString = await this.vault.decrypt(row);
      await this.audit.record({
        teamId,
        action: 'db_connection.read',
        targetType: 'db_connection',
        targetId: `${teamId}:${product.productCode}`,
        data: { productCode: product.productCode, keyId: product.keyId },
      });
      return { teamId, productCode: product.productCode, connectionString };
    });
  }
}
