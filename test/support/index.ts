export * from './test-env';
export * from './test-app';
export * from './tcp-proxy';
export * from './users';
export * from './schema-catalog';
