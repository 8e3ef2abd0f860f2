import { NestFactory } from '@nestjs/core';
import { Module } from '@nestjs/common';
import { BackupService } from '@avn/audit';
import { ConfigModule } from '@avn/config';
import { CryptoModule } from '@avn/crypto';
import { StorageModule } from '@avn/storage';
import type { CliCommand } from '../cli-command';

export const restoreCommand: CliCommand = {
  name: 'restore',
  usage: 'restore <backups/KEY.dump.enc | path> [--target-url postgres://...]',
  description: 'Decrypt a backup and pg_restore it into an EMPTY database (default DATABASE_URL; refuses a non-empty one)',
  async run(args, ctx) {
    const backup = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--target-url');
    const t = args.indexOf('--target-url');
    const target = t >= 0 ? args[t + 1] : undefined;
    if (!backup || (t >= 0 && !/^postgres(ql)?:\/\//.test(target ?? ''))) {
      ctx.out('usage: restore <backup> [--target-url postgres://...]');
      return 2;
    }
    if (!target && !ctx.config.DATABASE_URL) {
      ctx.out('restore needs --target-url or DATABASE_URL (a real PostgreSQL database)');
      return 2;
    }
    // No full app context here: it would open (and migrate) DATABASE_URL, which may be the empty target.
    @Module({ imports: [ConfigModule.forRoot(ctx.config), CryptoModule, StorageModule], providers: [BackupService] })
    class RestoreModule {}
    const app = await NestFactory.createApplicationContext(RestoreModule, { logger: ['error', 'warn'] });
    try {
      const r = await app.get(BackupService).restore(backup, target);
      ctx.out(`restored ${r.key} in ${r.durationMs} ms`);
      return 0;
    } finally {
      await app.close();
    }
  },
};
