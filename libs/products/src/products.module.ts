import { Global, Module } from '@nestjs/common';
import { ProductKeyVerifier } from '@avn/common';
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

/**
 * Master products, product API keys, privileges and role templates, subscriptions with
 * provisioning, and encrypted per-team database connections. Global: the auth guard resolves
 * ProductKeyVerifier from here, and other modules (and tests) use ProductsService.
 */
@Global()
@Module({
  controllers: [ProductsController, SubscriptionsController],
  providers: [
    ApiKeysRepository,
    ProductKeyVerifierService,
    { provide: ProductKeyVerifier, useExisting: ProductKeyVerifierService },
    ProductsRepository,
    TemplateRolesRepository,
    ProductsService,
    ProductCatalogService,
    SubscriptionsRepository,
    ProvisioningRunner,
    SubscriptionsService,
    ConnectionVault,
    DbConnectionReader,
  ],
  exports: [ProductKeyVerifier, ProductsService, ProductCatalogService, SubscriptionsService, ConnectionVault],
})
export class ProductsModule {}
