import { AuditAnchors, AuditArchiver, AuditSigner, AuditVerifier } from '@avn/audit';
import { isUuid } from '@avn/common';
import type { CliCommand } from '../cli-command';

export const auditVerifyCommand: CliCommand = {
  name: 'audit:verify',
  usage: 'audit:verify [--team <teamId>|platform] [--keys] [--archives] [--anchors]',
  description: 'Walk the audit hash chain(s) and report the first broken event (exit 1 when broken)',
  async run(args, ctx) {
    const i = args.indexOf('--team');
    const team = i >= 0 ? args[i + 1] : undefined;
    if (i >= 0 && (!team || (team !== 'platform' && !isUuid(team)))) {
      ctx.out('--team needs a team id (UUID) or "platform"');
      return 2;
    }
    const app = await ctx.app();
    if (args.includes('--keys')) {
      for (const k of await app.get(AuditSigner).listPublicKeys())
        ctx.out(`signing key ${k.id} (${k.algorithm}, ${k.createdAt})\n${k.publicKeyPem}`);
    }
    const started = Date.now();
    const result = await app.get(AuditVerifier).verify(team === undefined ? undefined : team === 'platform' ? null : team.toLowerCase());
    const ms = Date.now() - started;
    let archivesOk = true;
    if (args.includes('--archives')) {
      // Decrypts every archive of the chain(s) from the object store and re-checks it.
      const a = await app
        .get(AuditArchiver)
        .verifyArchives(team === undefined ? undefined : team === 'platform' ? null : team.toLowerCase());
      archivesOk = a.ok;
      ctx.out(a.ok ? `ok: ${a.archives} archives (${a.events} archived events) verified` : `BROKEN ARCHIVE ${a.objectKey}: ${a.reason}`);
    }
    if (result.ok && args.includes('--anchors')) {
      // The database's own chain holds; compare it with the anchors in the object store.
      const a = await app.get(AuditAnchors).verify(team === undefined ? undefined : team === 'platform' ? null : team.toLowerCase());
      const chain = a.teamId === undefined ? '?' : (a.teamId ?? 'platform');
      if (a.ok) ctx.out(`ok: ${a.checked} anchors match the database`);
      else if (a.reason === 'truncated')
        ctx.out(`BROKEN: chain ${chain} truncated: anchored seq ${a.seq} is missing (database head: seq ${a.headSeq})`);
      else if (a.reason === 'anchor_mismatch')
        ctx.out(
          `BROKEN: chain ${chain} anchor_mismatch at seq ${a.seq} (event ${a.firstBrokenId}): rewritten at or after seq ${a.sinceSeq}`,
        );
      else ctx.out(`BROKEN: anchor of chain ${chain} seq ${a.seq}: ${a.reason}`);
      archivesOk &&= a.ok;
    }
    if (result.ok) {
      ctx.out(`ok: ${result.checked} events verified in ${ms} ms`);
      return archivesOk ? 0 : 1;
    }
    ctx.out(
      `BROKEN: chain ${result.teamId === undefined ? '?' : (result.teamId ?? 'platform')} at event ${result.firstBrokenId} (seq ${result.seq}): ${result.reason}; ${result.checked} events verified before it`,
    );
    return 1;
  },
};
