import { Global, Module } from '@nestjs/common';
import { join } from 'node:path';
import { AppConfig } from '@avn/config';
import { GcpSecretProvider } from './gcp-secret-provider';
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
        if (config.SECRET_PROVIDER === 'gcp') {
          return new GcpSecretProvider({
            secret: config.GCP_KEK_SECRET!,
            version: config.GCP_KEK_VERSION,
            endpoint: config.GCP_SECRET_MANAGER_ENDPOINT,
          });
        }
        return new LocalSecretProvider(config.LOCAL_KEY_FILE ?? join(config.fileDataDir, 'master.key'));
      },
    },
  ],
  exports: [PasswordHasher, SecretProvider],
})
export class CryptoModule {}
