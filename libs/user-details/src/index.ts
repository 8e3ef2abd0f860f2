export * from './access-invalidator';
export * from './user-details-core.module';
export * from './user-details.module';
export * from './user-details.service';
export * from './user-directory.grpc';
export * from './user-details.http';
export * from './product-key-gate';
