import { Injectable } from '@nestjs/common';
import { AuditService } from '@avn/audit';
import { Errors, decodeCursor, Page, toPage } from '@avn/common';
import { AppConfig } from '@avn/config';
import { DatabaseService, newId } from '@avn/database';
import { AccessInvalidator } from '@avn/user-details';
import { ApiKeyRow, ApiKeysRepository } from '../keys/api-keys.repository';
import { generateProductKey } from '../keys/product-key';
import { isDashboardUrl } from './dashboard-url';
import { ApiKeyDto, CreatedApiKeyDto, ProductDto } from './products.dto';
import { ProductRow, ProductsRepository } from './products.repository';
import { resolveProvisioningScript } from './provisioning-path';

export interface CreateProductInput {
  code: string;
  name: string;
  /** Optional for programmatic use (tests); the HTTP route requires it. */
  provisioningScript?: string | null;
  dashboardUrl?: string | null;
  allowedResourceTypes?: string[];
}

export interface UpdateProductInput {
  name?: string;
  provisioningScript?: string;
  dashboardUrl?: string;
  allowedResourceTypes?: string[];
  status?: 'active' | 'retired';
}

export function toProductDto(row: ProductRow): ProductDto {
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    provisioningScript: row.provisioning_script,
    dashboardUrl: row.dashboard_url,
    allowedResourceTypes: row.allowed_resource_types,
    status: row.status,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

function toApiKeyDto(row: ApiKeyRow): ApiKeyDto {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
    revokedAt: row.revoked_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
  };
}

/** Master products and their API keys (platform-level, audited in the platform chain). */
@Injectable()
export class ProductsService {
  constructor(
    private readonly db: DatabaseService,
    private readonly products: ProductsRepository,
    private readonly keys: ApiKeysRepository,
    private readonly audit: AuditService,
    private readonly invalidator: AccessInvalidator,
    private readonly config: AppConfig,
  ) {}

  async create(input: CreateProductInput): Promise<ProductDto> {
    if (input.provisioningScript) resolveProvisioningScript(this.config.PROVISIONING_SCRIPTS_DIR, input.provisioningScript);
    if (input.dashboardUrl && !isDashboardUrl(input.dashboardUrl)) {
      throw Errors.validation('Request validation failed', [{ field: 'dashboardUrl', message: 'dashboardUrl must be an https URL' }]);
    }
    return this.db.asPlatform(async () => {
      const row = await this.products.insert({
        id: newId(),
        code: input.code,
        name: input.name,
        script: input.provisioningScript ?? null,
        dashboardUrl: input.dashboardUrl ?? null,
        resourceTypes: input.allowedResourceTypes ?? [],
      });
      if (!row) throw Errors.conflict('PRODUCT_CODE_TAKEN', `A product with code "${input.code}" already exists`);
      await this.audit.record({
        action: 'product.created',
        targetType: 'product',
        targetId: row.id,
        data: { code: row.code, name: row.name },
      });
      return toProductDto(row);
    });
  }

  /**
   * The catalog. Platform admins see retired products and each product's provisioning script;
   * anyone else sees active products without it (a server-side path is not theirs to know).
   */
  async list(forAdmin: boolean, cursor: string | undefined, limit = 50): Promise<Page<ProductDto>> {
    const after = decodeCursor<{ code: string }>(cursor, ['code']);
    const rows = await this.products.list(forAdmin, after?.code, limit + 1);
    const view = forAdmin ? toProductDto : (row: ProductRow): ProductDto => ({ ...toProductDto(row), provisioningScript: undefined });
    return toPage(rows, limit, view, (r) => ({ code: r.code }));
  }

  async get(code: string): Promise<ProductDto> {
    return toProductDto(await this.require(code));
  }

  /** The product row or 404. */
  async require(code: string, forUpdate = false): Promise<ProductRow> {
    const row = await this.products.findByCode(code, forUpdate);
    if (!row) throw Errors.notFound('Product');
    return row;
  }

  async update(code: string, patch: UpdateProductInput): Promise<ProductDto> {
    if (patch.provisioningScript !== undefined) resolveProvisioningScript(this.config.PROVISIONING_SCRIPTS_DIR, patch.provisioningScript);
    return this.db.asPlatform(async () => {
      const current = await this.require(code, true);
      if (patch.allowedResourceTypes) {
        const allowed = new Set(patch.allowedResourceTypes);
        const orphaned = (await this.products.resourceTypesInUse(current.id)).filter((t) => !allowed.has(t));
        if (orphaned.length) {
          throw Errors.unprocessable('RESOURCE_TYPE_IN_USE', `Privileges still use resource type(s): ${orphaned.join(', ')}`);
        }
      }
      const row = await this.products.update(current.id, {
        name: patch.name,
        script: patch.provisioningScript,
        dashboardUrl: patch.dashboardUrl,
        resourceTypes: patch.allowedResourceTypes,
        status: patch.status,
      });
      await this.audit.record({
        action: 'product.updated',
        targetType: 'product',
        targetId: row.id,
        data: { code: row.code, changed: Object.keys(patch).filter((k) => (patch as Record<string, unknown>)[k] !== undefined) },
      });
      if (patch.status && patch.status !== current.status) await this.invalidator.productChanged(row.id);
      return toProductDto(row);
    });
  }

  // --- API keys ---

  /** Mints a key for the product; the whole key is returned only here (only its hash is stored). */
  async createApiKey(productCode: string, name: string, createdBy: string | null = null): Promise<CreatedApiKeyDto> {
    return this.db.asPlatform(async () => {
      const product = await this.require(productCode);
      // A prefix collision (72 random bits) is astronomically rare; the unique index makes it an error, not a clash.
      const generated = generateProductKey();
      const row = await this.keys.insert({
        id: newId(),
        productId: product.id,
        name,
        prefix: generated.prefix,
        hash: generated.hash,
        createdBy,
      });
      await this.audit.record({
        action: 'product.api_key.created',
        targetType: 'api_key',
        targetId: row.id,
        data: { productCode: product.code, name, prefix: row.prefix },
      });
      return { id: row.id, name: row.name, prefix: row.prefix, key: generated.key };
    });
  }

  async listApiKeys(productCode: string): Promise<{ items: ApiKeyDto[]; nextCursor: null }> {
    const product = await this.require(productCode);
    return { items: (await this.keys.listByProduct(product.id)).map(toApiKeyDto), nextCursor: null };
  }

  /** Effective on the next request: the verifier reads the key row on every request (no cache). */
  async revokeApiKey(productCode: string, keyId: string): Promise<void> {
    await this.db.asPlatform(async () => {
      const product = await this.require(productCode);
      const result = await this.keys.revoke(product.id, keyId);
      if (!result) throw Errors.notFound('API key');
      if (result.changed) {
        await this.audit.record({
          action: 'product.api_key.revoked',
          targetType: 'api_key',
          targetId: keyId,
          data: { productCode: product.code, prefix: result.row.prefix },
        });
        await this.invalidator.productChanged(product.id);
        await this.invalidator.productKeysChanged();
      }
    });
  }
}
