import { AuditArchiver, AuditService, AuditVerifier, RetentionScheduler, RetentionService } from '@avn/audit';
import { ObjectStore } from '@avn/storage';
import { newId } from '@avn/database';
import { SessionsJanitor } from '@avn/identity';
import { Readable } from 'node:stream';
import { startTestApp, TestApp } from '@avn/testing';
import { ownerClient, sql } from './audit-helpers';

const DAY = 86_400_000;

describe('retention: short-term state, activity log, audit archive', () => {
  let t: TestApp;
  let retention: RetentionService;
  let audit: AuditService;

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        AUDIT_RETENTION_DAYS: '30',
        RETENTION_DAYS: '8',
        AUDIT_CHECKPOINT_INTERVAL: '4',
        RETENTION_TABLE_DAYS: 'aventian.test_retention_overridden=2',
      },
    });
    retention = t.api.app.get(RetentionService);
    audit = t.api.app.get(AuditService);
  });
  afterAll(async () => {
    jest.useRealTimers();
    await t?.close();
  });

  /** Records with the JS clock set `daysAgo` back (only Date is faked; timers and I/O run normally). */
  async function recordAt(daysAgo: number, teamId: string | null, action: string, data: Record<string, unknown> = {}): Promise<void> {
    jest.useFakeTimers({
      now: Date.now() - daysAgo * DAY,
      doNotFake: [
        'nextTick',
        'setImmediate',
        'setTimeout',
        'setInterval',
        'clearTimeout',
        'clearInterval',
        'clearImmediate',
        'queueMicrotask',
        'hrtime',
        'performance',
      ],
    });
    try {
      await t.db.transaction(() => audit.record({ teamId, action, data }));
    } finally {
      jest.useRealTimers();
    }
  }

  it('deletes expired rows of rule tables (table-driven, overrides, skips missing tables/columns)', async () => {
    const owner = await ownerClient(t);
    try {
      for (const name of ['test_retention_sessions', 'test_retention_overridden']) {
        await owner.query(
          `CREATE TABLE aventian.${name} (id uuid PRIMARY KEY DEFAULT aventian.uuidv7(), expires_at timestamptz, revoked_at timestamptz)`,
        );
        await owner.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON aventian.${name} TO aventian_app`);
        await owner.query(
          `INSERT INTO aventian.${name} (expires_at, revoked_at) VALUES
             (now() - interval '10 days', NULL),     -- expired long ago: gone
             (now() - interval '5 days', NULL),      -- expired recently: kept (8 days), gone with the 2-day override
             (now() + interval '1 day', now() - interval '9 days'), -- revoked long ago: gone
             (now() + interval '1 day', NULL)        -- live: kept`,
        );
      }
    } finally {
      await owner.end();
    }
    const report = await retention.run({
      rules: [
        {
          table: 'aventian.test_retention_sessions',
          criteria: [
            { columns: ['expires_at'], sql: 'expires_at < $1' },
            { columns: ['revoked_at'], sql: 'revoked_at < $1' },
          ],
        },
        {
          table: 'aventian.test_retention_overridden',
          criteria: [
            { columns: ['expires_at'], sql: 'expires_at < $1' },
            { columns: ['revoked_at'], sql: 'revoked_at < $1' },
          ],
        },
        { table: 'aventian.test_no_such_table', criteria: [{ columns: ['expires_at'], sql: 'expires_at < $1' }] },
        {
          table: 'aventian.test_retention_sessions',
          criteria: [{ columns: ['revoked_at', 'no_such_column'], sql: 'no_such_column < $1' }],
        },
      ],
    });
    expect(report.tables).toEqual([
      { table: 'aventian.test_retention_sessions', days: 8, deleted: 2 },
      { table: 'aventian.test_retention_overridden', days: 2, deleted: 3 },
      { table: 'aventian.test_no_such_table', days: 8, deleted: 0, skipped: 'no such table' },
      { table: 'aventian.test_retention_sessions', days: 8, deleted: 0, skipped: 'no known columns' },
    ]);
    expect(await sql(t, `SELECT 1 FROM aventian.test_retention_sessions`)).toHaveLength(2);
    expect(await sql(t, `SELECT 1 FROM aventian.test_retention_overridden`)).toHaveLength(1);
  });

  it('the default rules run against whatever tables this build has; sessions are left to their one owner', async () => {
    const userId = newId();
    await sql(t, `INSERT INTO aventian.tbl_users (id, email, email_normalized, display_name) VALUES ($1, $2, $2, 'r')`, [
      userId,
      `r-${userId}@x.test`,
    ]);
    await sql(
      t,
      `INSERT INTO aventian.sessions (user_id, expires_at, status, revoked_at) VALUES
         ($1, now() - interval '10 days', 'active', NULL), ($1, now() + interval '10 days', 'revoked', now() - interval '9 days'),
         ($1, now() + interval '10 days', 'active', NULL)`,
      [userId],
    );
    await sql(
      t,
      `INSERT INTO aventian.tbl_mail_outbox (to_address, subject, body_text, status, sent_at) VALUES
         ($1, 'old', 'b', 'sent', now() - interval '9 days'), ($1, 'new', 'b', 'sent', now()), ($1, 'queued', 'b', 'pending', NULL)`,
      [`r-${userId}@x.test`],
    );
    const report = await retention.run();
    expect(report.tables.map((x) => x.table)).toEqual([
      'aventian.tbl_invitations',
      'aventian.invitations',
      'aventian.tbl_mail_outbox',
      'aventian.mail_outbox',
    ]);
    expect(report.skippedLocked).toBeUndefined();
    expect(report.tables.find((x) => x.table === 'aventian.invitations')).toMatchObject({ skipped: 'no such table' });
    // Retention does not touch sessions; identity's janitor deletes the two that ended.
    expect(await sql(t, `SELECT 1 FROM aventian.sessions WHERE user_id = $1`, [userId])).toHaveLength(3);
    await t.api.app.get(SessionsJanitor).sweep();
    expect(await sql(t, `SELECT status FROM aventian.sessions WHERE user_id = $1`, [userId])).toEqual([{ status: 'active' }]);
    const mail = await sql<{ subject: string }>(t, `SELECT subject FROM aventian.tbl_mail_outbox WHERE to_address = $1 ORDER BY subject`, [
      `r-${userId}@x.test`,
    ]);
    expect(mail.map((m) => m.subject)).toEqual(['new', 'queued']);
  });

  it('purges the activity log past RETENTION_DAYS only through the definer function', async () => {
    const owner = await ownerClient(t);
    const teamId = newId();
    try {
      await owner.query(
        `INSERT INTO aventian_audit.activity_log (team_id, action, ts) VALUES ($1, 'old', now() - interval '9 days'), ($1, 'recent', now() - interval '7 days'), ($1, 'now', now())`,
        [teamId],
      );
    } finally {
      await owner.end();
    }
    await expect(sql(t, `DELETE FROM aventian_audit.activity_log WHERE team_id = $1`, [teamId])).rejects.toThrow(/permission denied/);
    const report = await retention.run({ rules: [] });
    expect(report.activityDeleted).toBeGreaterThanOrEqual(1);
    const left = await sql<{ action: string }>(t, `SELECT action FROM aventian_audit.activity_log WHERE team_id = $1 ORDER BY ts`, [
      teamId,
    ]);
    expect(left.map((r) => r.action)).toEqual(['recent', 'now']);
  });

  it('archives old audit events encrypted, continues the chain with a pointer, removes them, and the chain verifies', async () => {
    const teamId = newId();
    for (let i = 0; i < 6; i++) await recordAt(40 - i, teamId, 'test.old', { i });
    for (let i = 0; i < 3; i++) await recordAt(0, teamId, 'test.recent', { i });
    await recordAt(45, null, 'platform.old'); // the platform chain is archived too

    const report = await retention.run({ rules: [] });
    const mine = report.archives.find((a) => a.teamId === teamId)!;
    expect(mine).toMatchObject({ fromSeq: '1', toSeq: '6', count: 6, removed: 6 });
    expect(report.archives.some((a) => a.teamId === null)).toBe(true);

    const left = await sql<{ seq: string; action: string; data: Record<string, unknown> }>(
      t,
      `SELECT seq, action, data FROM aventian_audit.audit_events WHERE team_id = $1 ORDER BY seq`,
      [teamId],
    );
    expect(left.map((r) => `${r.seq}:${r.action}`)).toEqual(['7:test.recent', '8:test.recent', '9:test.recent', '10:audit.archived']);
    expect(left[3].data).toMatchObject({ fromSeq: '1', toSeq: '6', count: 6, objectKey: mine.objectKey });

    const verifier = t.api.app.get(AuditVerifier);
    await expect(verifier.verify(teamId)).resolves.toMatchObject({ ok: true, checked: 4 });
    await expect(verifier.verify()).resolves.toMatchObject({ ok: true });

    // The object is encrypted at rest (no plaintext JSON), and reads back to exactly the removed events.
    const store = t.api.app.get(ObjectStore);
    const raw: Buffer[] = [];
    for await (const c of await store.get(mine.objectKey)) raw.push(c as Buffer);
    const bytes = Buffer.concat(raw);
    expect(bytes.subarray(0, 8).toString()).toBe('AVNENC1\n');
    expect(bytes.includes(Buffer.from('test.old'))).toBe(false);
    const archived = [];
    for await (const e of t.api.app.get(AuditArchiver).readArchive(mine.objectKey)) archived.push(e);
    expect(archived.map((e) => e.seq)).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(archived[5].hash).toBe(left[3].data.lastHash);

    // The archive re-verifies offline (digest, links, hashes, hand-over to the live chain).
    const archiver = t.api.app.get(AuditArchiver);
    await expect(archiver.verifyArchives(teamId)).resolves.toEqual({ ok: true, archives: 1, events: 6 });
    await expect(archiver.verifyArchives()).resolves.toMatchObject({ ok: true });

    // Nothing left to archive: a second run is a no-op for this chain.
    const again = await retention.run({ rules: [] });
    expect(again.archives.find((a) => a.teamId === teamId)).toBeUndefined();

    // Removing the pointer row (as the owner, triggers off) is detected.
    const owner = await ownerClient(t);
    try {
      await owner.query(`SET session_replication_role = replica`);
      await owner.query(`DELETE FROM aventian_audit.audit_archives WHERE object_key = $1`, [mine.objectKey]);
    } finally {
      await owner.end();
    }
    await expect(verifier.verify(teamId)).resolves.toMatchObject({ ok: false, reason: 'missing_archive_pointer' });
  });

  it('splits a long old run into bounded archives that hand over to each other', async () => {
    const teamId = newId();
    for (let i = 0; i < 5; i++) await recordAt(60 - i, teamId, 'test.old', { i });
    await recordAt(0, teamId, 'test.recent');
    const archiver = t.api.app.get(AuditArchiver);
    const results = (await archiver.archiveExpired(30, 2n)).filter((a) => a.teamId === teamId);
    expect(results.map((a) => [a.fromSeq, a.toSeq])).toEqual([
      ['1', '2'],
      ['3', '4'],
      ['5', '5'],
    ]);
    await expect(t.api.app.get(AuditVerifier).verify(teamId)).resolves.toMatchObject({ ok: true, checked: 4 }); // recent + 3 pointers
    await expect(archiver.verifyArchives(teamId)).resolves.toEqual({ ok: true, archives: 3, events: 5 });
  });

  it('a damaged archive object fails offline verification', async () => {
    const teamId = newId();
    for (let i = 0; i < 3; i++) await recordAt(50, teamId, 'test.old', { i });
    const report = await retention.run({ rules: [] });
    const mine = report.archives.find((a) => a.teamId === teamId)!;
    const store = t.api.app.get(ObjectStore);
    const parts: Buffer[] = [];
    for await (const c of await store.get(mine.objectKey)) parts.push(c as Buffer);
    const bytes = Buffer.concat(parts);
    bytes[bytes.length - 5] ^= 0xff;
    // Objects are never overwritten: the damage is someone with bucket access replacing it.
    await store.delete(mine.objectKey);
    await store.put(mine.objectKey, Readable.from([bytes]));
    await expect(t.api.app.get(AuditArchiver).verifyArchives(teamId)).resolves.toMatchObject({
      ok: false,
      objectKey: mine.objectKey,
      reason: 'unreadable',
    });
  });

  it('the purge function refuses recent events even with an archive row', async () => {
    const teamId = newId();
    await recordAt(0, teamId, 'test.recent');
    await expect(sql(t, `SELECT aventian_audit.purge_archived_events($1, 1, 0)`, [teamId])).rejects.toThrow(/AUDIT_NOT_ARCHIVED/);
    const [e] = await sql<{ id: string; hash: Buffer }>(t, `SELECT id, hash FROM aventian_audit.audit_events WHERE team_id = $1`, [teamId]);
    // The app role can insert a pointer row, yet the function still refuses in-retention rows.
    await sql(
      t,
      `INSERT INTO aventian_audit.audit_archives (team_id, from_seq, to_seq, event_count, last_hash, object_key, content_sha256, pointer_event_id)
       VALUES ($1, 1, 1, 1, $2, 'x', $2, $3)`,
      [teamId, e.hash, e.id],
    );
    await expect(sql(t, `SELECT aventian_audit.purge_archived_events($1, 1, 0)`, [teamId])).rejects.toThrow(
      /AUDIT_NOT_ARCHIVED|AUDIT_TOO_RECENT/,
    );
    expect(await sql(t, `SELECT 1 FROM aventian_audit.audit_events WHERE team_id = $1`, [teamId])).toHaveLength(1);
  });

  it('the in-app schedule is off with RETENTION_JOB=off (the test default); a tick runs one pass', async () => {
    const scheduler = t.api.app.get(RetentionScheduler);
    expect(scheduler.enabled).toBe(false);
    await expect(scheduler.tick()).resolves.toMatchObject({ tables: expect.any(Array) });
  });

  it('only one instance runs retention at a time (advisory lock)', async () => {
    // Another instance (here: a session holding the same lock) is mid-run: this one skips.
    const other = await ownerClient(t);
    try {
      await other.query(`SELECT pg_advisory_lock(7241337400)`);
      await expect(retention.run({ rules: [] })).resolves.toMatchObject({ skippedLocked: true, archives: [] });
      await other.query(`SELECT pg_advisory_unlock(7241337400)`);
      const done = await retention.run({ rules: [] });
      expect(done.skippedLocked).toBeUndefined();
    } finally {
      await other.end();
    }
  });
});
