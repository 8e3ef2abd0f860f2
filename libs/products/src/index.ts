export * from './products.module';
export * from './catalog/products.service';
export * from './catalog/product-catalog.service';
export * from './catalog/products.dto';
export * from './keys/product-key';
export * from './subscriptions/subscriptions.service';
export * from './subscriptions/subscriptions.dto';
export * from './vault/connection-vault.service';
