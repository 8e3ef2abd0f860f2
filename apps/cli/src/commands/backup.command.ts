import { BackupService } from '@avn/audit';
import type { CliCommand } from '../cli-command';

export const backupCommand: CliCommand = {
  name: 'backup',
  usage: 'backup [--list]',
  description: 'pg_dump the core database, encrypted (AES-256-GCM) in-process, into the object store; prunes past BACKUP_RETENTION_DAYS',
  async run(args, ctx) {
    if (!ctx.config.DATABASE_URL) {
      ctx.out('backup is not supported for the embedded (PGlite) database: stop the server and copy DATA_DIR instead');
      return 2;
    }
    const service = (await ctx.app()).get(BackupService);
    if (args.includes('--list')) {
      for (const b of await service.list()) ctx.out(`${b.key}\t${b.size}\t${b.modifiedAt.toISOString()}`);
      return 0;
    }
    const r = await service.backup();
    ctx.out(`backup written: ${r.key} (${r.bytes} bytes, ${r.durationMs} ms)`);
    for (const k of r.pruned) ctx.out(`pruned old backup ${k}`);
    return 0;
  },
};
