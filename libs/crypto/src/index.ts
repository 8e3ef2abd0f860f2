export * from './password-hasher';
export * from './aead';
export * from './secret-provider';
export * from './local-secret-provider';
export * from './crypto.module';
export * from './envelope';
export * from './gcp-secret-provider';
export * from './key-check';
