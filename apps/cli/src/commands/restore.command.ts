import { BackupService } from '@avn/audit';
import type { CliCommand } from '../cli-command';
import { openBackupContext } from './backup-context';

export const restoreCommand: CliCommand = {
  name: 'restore',
  usage: 'restore <backups/KEY.dump.enc | path> | --latest [--target-url postgres://...]',
  description:
    'Decrypt a backup (a key, a downloaded file, or --latest in the object store) and pg_restore it into an EMPTY database (default DATABASE_URL; refuses a non-empty one)',
  async run(args, ctx) {
    const t = args.indexOf('--target-url');
    const target = t >= 0 ? args[t + 1] : undefined;
    const named = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--target-url');
    const backup = args.includes('--latest') ? (named ? undefined : 'latest') : named;
    if (!backup || (t >= 0 && !/^postgres(ql)?:\/\//.test(target ?? ''))) {
      ctx.out('usage: restore <backup> | --latest [--target-url postgres://...]');
      return 2;
    }
    if (!target && !ctx.config.DATABASE_URL) {
      ctx.out('restore needs --target-url or DATABASE_URL (a real PostgreSQL database)');
      return 2;
    }
    const app = await openBackupContext(ctx.config);
    try {
      const r = await app.get(BackupService).restore(backup, target);
      ctx.out(`restored ${r.key} in ${r.durationMs} ms`);
      return 0;
    } finally {
      await app.close();
    }
  },
};
