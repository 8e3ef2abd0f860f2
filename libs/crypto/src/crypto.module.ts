import { Global, Module } from '@nestjs/common';
import { join } from 'node:path';
import { AppConfig } from '@avn/config';
import { LocalSecretProvider } from './local-secret-provider';
import { PasswordHasher } from './password-hasher';
import { SecretProvider } from './secret-provider';

@Global()
@Module({
  providers: [
    PasswordHasher,
    {
      provide: SecretProvider,
      inject: [AppConfig],
      useFactory: (config: AppConfig): SecretProvider => {
        // SECRET_PROVIDER=gcp is wired by the products/crypto work (GcpSecretProvider).
        return new LocalSecretProvider(config.LOCAL_KEY_FILE ?? join(config.DATA_DIR, 'master.key'));
      },
    },
  ],
  exports: [PasswordHasher, SecretProvider],
})
export class CryptoModule {}
