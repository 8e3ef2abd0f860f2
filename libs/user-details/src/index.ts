export * from './access-invalidator';
export * from './user-details-core.module';
