import { migratePostgres, openDatabase } from '@avn/database';
import type { CliCommand } from '../cli-command';

export const migrateCommand: CliCommand = {
  name: 'migrate',
  description: 'Apply pending SQL migrations (the server also does this at start unless MIGRATE_ON_START=false)',
  async run(_args, ctx) {
    const log = (m: string) => ctx.out(m);
    const ownerUrl = ctx.config.ownerDatabaseUrl;
    if (ownerUrl) {
      const report = await migratePostgres(ctx.config, ownerUrl, log);
      ctx.out(`${report.applied.length} applied, ${report.alreadyApplied} already applied`);
      return 0;
    }
    const handle = await openDatabase(
      Object.assign(Object.create(Object.getPrototypeOf(ctx.config)), ctx.config, { MIGRATE_ON_START: false }),
      log,
    );
    try {
      const report = await handle.migrate();
      ctx.out(`${report.applied.length} applied, ${report.alreadyApplied} already applied`);
      return 0;
    } finally {
      await handle.close();
    }
  },
};
