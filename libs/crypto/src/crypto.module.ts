import { DynamicModule, Global, Module, Type } from '@nestjs/common';
import { join } from 'node:path';
import { AppConfig } from '@avn/config';
import { GcpSecretProvider } from './gcp-secret-provider';
import { CheckedSecretProvider, KeyCheckStore } from './key-check';
import { LocalSecretProvider } from './local-secret-provider';
import { PasswordHasher } from './password-hasher';
import { SecretProvider } from './secret-provider';

/** The configured key source (no key check): for the module below and for tools that only need keys. */
export function createSecretProvider(config: AppConfig): SecretProvider {
  if (config.SECRET_PROVIDER === 'gcp') {
    return new GcpSecretProvider({
      secret: config.GCP_KEK_SECRET!,
      version: config.GCP_KEK_VERSION,
      endpoint: config.GCP_SECRET_MANAGER_ENDPOINT,
    });
  }
  return new LocalSecretProvider(config.LOCAL_KEY_FILE ?? join(config.fileDataDir, 'master.key'));
}

/**
 * Provides the SecretProvider. Imported as `CryptoModule.withKeyChecks(store)` (the API and the CLI,
 * with the database's key checks), every KEK it hands out is checked against the database first
 * (CheckedSecretProvider); imported plainly (tools working without the database), it is not.
 */
@Global()
@Module({
  providers: [
    PasswordHasher,
    {
      provide: SecretProvider,
      inject: [AppConfig, { token: KeyCheckStore, optional: true }],
      useFactory: (config: AppConfig, store?: KeyCheckStore): SecretProvider => {
        const provider = createSecretProvider(config);
        return store ? new CheckedSecretProvider(provider, store) : provider;
      },
    },
  ],
  exports: [PasswordHasher, SecretProvider],
})
export class CryptoModule {
  static withKeyChecks(store: Type<KeyCheckStore>): DynamicModule {
    return { module: CryptoModule, providers: [{ provide: KeyCheckStore, useClass: store }] };
  }
}
