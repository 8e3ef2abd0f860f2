import { RetentionService } from '@avn/audit';
import { SessionsJanitor } from '@avn/identity';
import type { CliCommand } from '../cli-command';

export const retentionRunCommand: CliCommand = {
  name: 'retention:run',
  description: 'Delete ended sessions, expired short-term state and activity log, archive audit events past AUDIT_RETENTION_DAYS',
  async run(_args, ctx) {
    const app = await ctx.app();
    // Sessions have one owner (identity's janitor, hourly in the API); a one-shot run sweeps them too.
    const swept = await app.get(SessionsJanitor).sweep();
    ctx.out(`aventian.sessions: ${swept.sessions} ended sessions deleted; aventian.refresh_tokens: ${swept.refreshTokens} deleted`);
    const report = await app.get(RetentionService).run();
    if (report.skippedLocked) {
      ctx.out('another instance is running retention; nothing done');
      return 0;
    }
    for (const t of report.tables)
      ctx.out(`${t.table}: ${t.skipped ? `skipped (${t.skipped})` : `${t.deleted} deleted (older than ${t.days} days)`}`);
    ctx.out(`aventian_audit.activity_log: ${report.activityDeleted} deleted`);
    for (const a of report.archives) {
      ctx.out(
        `audit chain ${a.teamId ?? 'platform'}: ${a.count} events (seq ${a.fromSeq}-${a.toSeq}) archived to ${a.objectKey}, ${a.removed} removed`,
      );
    }
    ctx.out(`done in ${report.durationMs} ms`);
    return 0;
  },
};
