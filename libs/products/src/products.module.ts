import { Module } from '@nestjs/common';
import { AuditCoreModule } from '@avn/audit';
import { UserDetailsCoreModule } from '@avn/user-details';
import { ProductCatalogService } from './catalog/product-catalog.service';
import { ProductsController } from './catalog/products.controller';
import { ProductsRepository } from './catalog/products.repository';
import { ProductsService } from './catalog/products.service';
import { TemplateRolesRepository } from './catalog/template-roles.repository';
import { ApiKeysRepository } from './keys/api-keys.repository';
import { ProductKeyVerifierService } from './keys/product-key.verifier';
import { ProvisioningRunner } from './subscriptions/provisioning-runner';
import { SubscriptionsController } from './subscriptions/subscriptions.controller';
import { SubscriptionsRepository } from './subscriptions/subscriptions.repository';
import { SubscriptionsService } from './subscriptions/subscriptions.service';
import { ConnectionVault } from './vault/connection-vault.service';
import { DbConnectionReader } from './vault/db-connection-reader.service';
import { VaultRepository } from './vault/vault.repository';

/**
 * Master products, product API keys, privileges and role templates, subscriptions with
 * provisioning, and encrypted per-team database connections. The API binds the AuthGuard's
 * ProductKeyVerifier port to ProductKeyVerifierService.
 */
@Module({
  imports: [AuditCoreModule, UserDetailsCoreModule],
  controllers: [ProductsController, SubscriptionsController],
  providers: [
    ApiKeysRepository,
    ProductKeyVerifierService,
    ProductsRepository,
    TemplateRolesRepository,
    ProductsService,
    ProductCatalogService,
    SubscriptionsRepository,
    ProvisioningRunner,
    SubscriptionsService,
    VaultRepository,
    ConnectionVault,
    DbConnectionReader,
  ],
  exports: [ProductKeyVerifierService, ProductsService, ProductCatalogService, SubscriptionsService, ConnectionVault],
})
export class ProductsModule {}
