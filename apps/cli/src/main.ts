import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { openCache } from '@avn/cache';
import { ConfigError, loadConfig } from '@avn/config';
import { openDatabase } from '@avn/database';
import { MetricsService } from '@avn/observability';
import { AppModule } from '../../api/src/app.module';
import { verifyEncryptionKey } from '../../api/src/keys/verify-encryption-key';
import type { CliContext } from './cli-command';
import { commands } from './commands';

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  const command = commands.find((c) => c.name === name);
  if (!command) {
    process.stdout.write(`usage: npm run cli -- <command> [args]\n\ncommands:\n`);
    for (const c of commands) process.stdout.write(`  ${c.usage ?? c.name}\n      ${c.description}\n`);
    return name ? 2 : 0;
  }
  let config;
  try {
    // One-shot commands run no background jobs of the server (mail dispatch timer).
    config = loadConfig({ ...process.env, MAIL_DISPATCH_INTERVAL_MS: '0', BACKUP_SCHEDULE: '', AUDIT_ANCHOR_JOB: 'off' });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
  let context: INestApplicationContext | undefined;
  const ctx: CliContext = {
    config,
    out: (line) => process.stdout.write(`${line}\n`),
    app: async () => {
      if (!context) {
        const metrics = new MetricsService();
        const database = await openDatabase(config);
        const cache = await openCache(config, metrics.recordCacheRead);
        context = await NestFactory.createApplicationContext(AppModule.forRoot({ config, database, cache, metrics }), {
          logger: ['error', 'warn'],
        });
        await verifyEncryptionKey(context); // a command must never write data under a key the servers do not have
      }
      return context;
    },
  };
  try {
    return await command.run(args, ctx);
  } finally {
    await context?.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
