import { AuditService, AuditVerifier, BackupService, RetentionService } from '@avn/audit';
import { newId } from '@avn/database';
import { startTestApp, TestApp } from '@avn/testing';

/** The audit trail on the embedded default (PGlite + in-process cache). */
describe('audit on embedded PGlite', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ mode: 'embedded', env: { AUDIT_CHECKPOINT_INTERVAL: '3' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('chains, signs checkpoints, verifies and stays append-only', async () => {
    const audit = t.api.app.get(AuditService);
    const teamId = newId();
    await Promise.all(
      Array.from({ length: 7 }, (_, i) => t.db.transaction(() => audit.record({ teamId, action: 'embedded.test', data: { i } }))),
    );
    await expect(t.api.app.get(AuditVerifier).verify(teamId)).resolves.toMatchObject({ ok: true, checked: 7 });
    const cps = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM aventian_audit.audit_checkpoints WHERE team_id = $1`, [
      teamId,
    ]);
    expect(cps[0].n).toBe(2);
    await expect(t.db.query(`DELETE FROM aventian_audit.audit_events WHERE team_id = $1`, [teamId])).rejects.toThrow(/permission denied/);
  });

  it('runs retention without the advisory-lock connection, and refuses backups', async () => {
    const report = await t.api.app.get(RetentionService).run();
    expect(report.skippedLocked).toBeUndefined();
    await expect(t.api.app.get(BackupService).backup()).rejects.toThrow(/embedded PGlite database is not supported/);
  });
});
