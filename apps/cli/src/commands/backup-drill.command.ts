import { BackupDrill, BackupService } from '@avn/audit';
import { SecretProvider } from '@avn/crypto';
import type { CliCommand } from '../cli-command';
import { openBackupContext } from './backup-context';

export const backupDrillCommand: CliCommand = {
  name: 'backup:drill',
  description:
    'Restore the latest backup into a scratch database, verify every audit chain and every table count against the backup manifest, print the RTO, drop the scratch database (exit 1 on any mismatch)',
  async run(_args, ctx) {
    if (!ctx.config.DATABASE_URL) {
      ctx.out('backup:drill needs a real PostgreSQL (DATABASE_URL)');
      return 2;
    }
    const app = await openBackupContext(ctx.config);
    try {
      const drill = new BackupDrill(ctx.config, app.get(BackupService), app.get(SecretProvider));
      const r = await drill.run(ctx.out);
      const rows = Object.values(r.tables).reduce((a, b) => a + b, 0);
      ctx.out(`backup: ${r.key}`);
      ctx.out(
        `restore: ${(r.restoreMs / 1000).toFixed(1)} s; verify: ${(r.verifyMs / 1000).toFixed(1)} s; RTO: ${(r.rtoMs / 1000).toFixed(1)} s`,
      );
      ctx.out(
        r.audit.ok
          ? `audit: ok, ${r.audit.checked} events verified`
          : `audit: BROKEN chain ${r.audit.teamId ?? 'platform'} at seq ${r.audit.seq}: ${r.audit.reason}`,
      );
      ctx.out(`tables: ${Object.keys(r.tables).length} tables, ${rows} rows`);
      for (const m of r.countMismatches)
        ctx.out(`  COUNT MISMATCH ${m.table}: backup had ${m.expected ?? '-'}, restored ${m.restored ?? '-'}`);
      ctx.out(r.ok ? 'drill: OK' : 'drill: FAILED');
      return r.ok ? 0 : 1;
    } finally {
      await app.close();
    }
  },
};
