import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { BackupService } from '@avn/audit';
import { AppConfig, ConfigModule } from '@avn/config';
import { CryptoModule } from '@avn/crypto';
import { StorageModule } from '@avn/storage';

/**
 * Just what restore and the drill need (config, KEK, object store, BackupService): no full app
 * context, which would open (and migrate) DATABASE_URL — possibly the empty restore target.
 */
export async function openBackupContext(config: AppConfig): Promise<INestApplicationContext> {
  @Module({ imports: [ConfigModule.forRoot(config), CryptoModule, StorageModule], providers: [BackupService] })
  class BackupContextModule {}
  return NestFactory.createApplicationContext(BackupContextModule, { logger: ['error', 'warn'] });
}
