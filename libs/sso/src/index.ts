export * from './oidc-providers.config';
export * from './oidc-client.registry';
export * from './oauth-identities.repository';
export * from './sso.service';
export * from './sso.module';
export * from './error-codes';
