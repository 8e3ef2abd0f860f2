import { AuditEventRow, AuditService, AuditSigner, AuditVerifier, chainHash, checkpointMessage, hashPayload } from '@avn/audit';
import { newId } from '@avn/database';
import { startTestApp, TestApp } from '@avn/testing';
import { spawn } from 'node:child_process';
import { createPublicKey, verify } from 'node:crypto';
import { join } from 'node:path';
import { makePlatformAdmin, mintUser, ownerClient, sql, AuditTestUser } from './audit-helpers';

const CHECKPOINT_EVERY = 5;

describe('audit chain: concurrency, checkpoints, append-only, tamper detection', () => {
  let t: TestApp;
  let audit: AuditService;
  let verifier: AuditVerifier;
  let admin: AuditTestUser;

  beforeAll(async () => {
    t = await startTestApp({ env: { AUDIT_CHECKPOINT_INTERVAL: String(CHECKPOINT_EVERY) } });
    audit = t.api.app.get(AuditService);
    verifier = t.api.app.get(AuditVerifier);
    admin = await mintUser(t, 'admin');
    await makePlatformAdmin(t, admin.id);
  });
  afterAll(async () => {
    await t?.close();
  });

  const record = (teamId: string | null, action: string, data: Record<string, unknown> = {}) =>
    t.db.transaction(() => audit.record({ teamId, action, data }));

  it('keeps one contiguous, verifiable chain under 50 concurrent writers', async () => {
    const teamId = newId();
    await Promise.all(Array.from({ length: 50 }, (_, i) => record(teamId, 'test.concurrent', { i })));
    const rows = await sql<{ seq: string }>(t, `SELECT seq FROM aventian_audit.audit_events WHERE team_id = $1 ORDER BY seq`, [teamId]);
    expect(rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    await expect(verifier.verify(teamId)).resolves.toEqual({ ok: true, checked: 50, teamId });
    // Every CHECKPOINT_EVERY-th event has a signed checkpoint.
    const cps = await sql<{ seq: string }>(t, `SELECT seq FROM aventian_audit.audit_checkpoints WHERE team_id = $1 ORDER BY seq`, [teamId]);
    expect(cps.map((c) => Number(c.seq))).toEqual([5, 10, 15, 20, 25, 30, 35, 40, 45, 50]);
  });

  it('stays contiguous with writers on two instances of the same deployment', async () => {
    // Instances of one deployment share the KEK (here: the key file), as they would share Secret Manager.
    const second = await startTestApp({
      database: t.database,
      env: { AUDIT_CHECKPOINT_INTERVAL: String(CHECKPOINT_EVERY), LOCAL_KEY_FILE: t.config.LOCAL_KEY_FILE! },
    });
    try {
      const teamId = newId();
      const other = second.api.app.get(AuditService);
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          i % 2
            ? record(teamId, 'test.two-instances', { i })
            : second.db.transaction(() => other.record({ teamId, action: 'test.two-instances', data: { i } })),
        ),
      );
      await expect(verifier.verify(teamId)).resolves.toMatchObject({ ok: true, checked: 40 });
      // One signing key for the deployment, whichever instance signed first.
      expect(await sql(t, `SELECT id FROM aventian_audit.audit_signing_keys`)).toHaveLength(1);
    } finally {
      await second.close();
    }
  });

  it('rolls the audit event back with the change it records', async () => {
    const teamId = newId();
    await record(teamId, 'test.kept');
    await expect(
      t.db.transaction(async () => {
        await audit.record({ teamId, action: 'test.rolled-back' });
        throw new Error('change failed');
      }),
    ).rejects.toThrow('change failed');
    await record(teamId, 'test.kept');
    const actions = await sql<{ action: string; seq: string }>(
      t,
      `SELECT action, seq FROM aventian_audit.audit_events WHERE team_id = $1 ORDER BY seq`,
      [teamId],
    );
    expect(actions).toEqual([
      { action: 'test.kept', seq: '1' },
      { action: 'test.kept', seq: '2' },
    ]);
    expect((await verifier.verify(teamId)).ok).toBe(true);
  });

  it('refuses to chain inside a REPEATABLE READ transaction (its snapshot could miss the head)', async () => {
    await expect(
      t.db.transaction(() => audit.record({ teamId: newId(), action: 'test.rr' }), { isolation: 'REPEATABLE READ' }),
    ).rejects.toThrow(/READ COMMITTED/);
  });

  it('drops secret-looking keys from data before hashing and storing', async () => {
    const teamId = newId();
    await record(teamId, 'test.redaction', {
      name: 'visible',
      password: 'hunter2',
      nested: { accessToken: 'tok', connectionString: 'postgres://u:p@h/d', apiKey: 'k', keyId: 'kid-1', plan: 'pro' },
      list: [{ clientSecret: 's', ok: 1 }],
    });
    const [row] = await sql<{ data: unknown }>(t, `SELECT data FROM aventian_audit.audit_events WHERE team_id = $1`, [teamId]);
    expect(row.data).toEqual({ name: 'visible', nested: { keyId: 'kid-1', plan: 'pro' }, list: [{ ok: 1 }] });
    expect(JSON.stringify(row.data)).not.toMatch(/hunter2|postgres:|tok|"k"/);
    expect((await verifier.verify(teamId)).ok).toBe(true);
  });

  it('signs checkpoints with an Ed25519 key whose public half is published', async () => {
    const res = await t.http.get('/v1/audit/signing-keys').set(admin.auth).expect(200);
    expect(res.body.items).toHaveLength(1);
    const key = createPublicKey(res.body.items[0].publicKeyPem);
    const [cp] = await sql<{ team_id: string; seq: string; event_id: string; hash: Buffer; ts: Date; signature: Buffer }>(
      t,
      `SELECT team_id, seq, event_id, hash, ts, signature FROM aventian_audit.audit_checkpoints LIMIT 1`,
    );
    const message = checkpointMessage({ teamId: cp.team_id, seq: cp.seq, eventId: cp.event_id, hash: cp.hash, ts: cp.ts });
    expect(verify(null, message, key, cp.signature)).toBe(true);
    // The private key is stored sealed, never in clear.
    const [stored] = await sql<{ private_key_sealed: Buffer; kek_id: string }>(
      t,
      `SELECT private_key_sealed, kek_id FROM aventian_audit.audit_signing_keys`,
    );
    expect(stored.private_key_sealed.includes(Buffer.from('PRIVATE KEY'))).toBe(false);
    expect(stored.kek_id).toBe('local');
    expect(t.api.app.get(AuditSigner)).toBeDefined();
  });

  it('refuses UPDATE, DELETE and TRUNCATE from the app role, even with the purge flag set', async () => {
    const teamId = newId();
    await record(teamId, 'test.append-only');
    await expect(sql(t, `UPDATE aventian_audit.audit_events SET action = 'x' WHERE team_id = $1`, [teamId])).rejects.toThrow(
      /permission denied/,
    );
    await expect(sql(t, `DELETE FROM aventian_audit.audit_events WHERE team_id = $1`, [teamId])).rejects.toThrow(/permission denied/);
    await expect(sql(t, `TRUNCATE aventian_audit.audit_events`)).rejects.toThrow(/permission denied/);
    await expect(
      t.db.asPlatform(async () => {
        await t.db.query(`SELECT set_config('aventian.audit_purge', 'on', true)`);
        await t.db.query(`DELETE FROM aventian_audit.audit_events WHERE team_id = $1`, [teamId]);
      }),
    ).rejects.toThrow(/permission denied/);
    // The purge function refuses a range without an archive pointer.
    await expect(sql(t, `SELECT aventian_audit.purge_archived_events($1, 1, 1)`, [teamId])).rejects.toThrow(/AUDIT_NOT_ARCHIVED/);
    // The trigger holds even for the owner unless triggers are bypassed on purpose.
    const owner = await ownerClient(t);
    try {
      await expect(owner.query(`UPDATE aventian_audit.audit_events SET action = 'x' WHERE team_id = $1`, [teamId])).rejects.toThrow(
        /AUDIT_APPEND_ONLY/,
      );
      await expect(owner.query(`DELETE FROM aventian_audit.audit_events WHERE team_id = $1`, [teamId])).rejects.toThrow(
        /AUDIT_APPEND_ONLY/,
      );
      await expect(owner.query(`TRUNCATE aventian_audit.audit_events`)).rejects.toThrow(/AUDIT_APPEND_ONLY/);
    } finally {
      await owner.end();
    }
    expect(
      await sql(t, `SELECT 1 FROM aventian_audit.audit_events WHERE team_id = $1 AND action = 'test.append-only'`, [teamId]),
    ).toHaveLength(1);
  });

  describe('tampering as the table owner (triggers bypassed) is reported', () => {
    async function tamper(statement: string, params: unknown[]): Promise<void> {
      const owner = await ownerClient(t);
      try {
        await owner.query(`SET session_replication_role = replica`);
        await owner.query(statement, params);
      } finally {
        await owner.end();
      }
    }
    async function chainOf(n: number): Promise<{ teamId: string; ids: string[] }> {
      const teamId = newId();
      for (let i = 0; i < n; i++) await record(teamId, 'test.tamper', { i });
      const ids = (
        await sql<{ id: string }>(t, `SELECT id FROM aventian_audit.audit_events WHERE team_id = $1 ORDER BY seq`, [teamId])
      ).map((r) => r.id);
      return { teamId, ids };
    }

    it('an edited field: hash mismatch at that event, over HTTP too', async () => {
      const { teamId, ids } = await chainOf(8);
      await expect(t.http.get(`/v1/audit/verify?teamId=${teamId}`).set(admin.auth).expect(200)).resolves.toMatchObject({
        body: { ok: true, checked: 8 },
      });
      await tamper(`UPDATE aventian_audit.audit_events SET data = '{"i": 99}' WHERE id = $1`, [ids[3]]);
      const res = await t.http.get(`/v1/audit/verify?teamId=${teamId}`).set(admin.auth).expect(200);
      expect(res.body).toEqual({ ok: false, checked: 3, firstBrokenId: ids[3], reason: 'hash_mismatch', chain: teamId, seq: '4' });
      // Verifying every chain finds it as well.
      const all = await t.http.get('/v1/audit/verify').set(admin.auth).expect(200);
      expect(all.body.ok).toBe(false);
    });

    it('a deleted event: seq gap', async () => {
      const { teamId, ids } = await chainOf(4);
      await tamper(`DELETE FROM aventian_audit.audit_events WHERE id = $1`, [ids[1]]);
      await expect(verifier.verify(teamId)).resolves.toMatchObject({ ok: false, firstBrokenId: ids[2], reason: 'seq_gap' });
    });

    it('an edit with a recomputed hash breaks the next prev_hash; rewriting the rest breaks the signed checkpoint', async () => {
      const { teamId, ids } = await chainOf(6);
      const rows = await sql<AuditEventRow>(t, `SELECT * FROM aventian_audit.audit_events WHERE team_id = $1 ORDER BY seq`, [teamId]);
      rows[1].data = { i: 1000 };
      rows[1].hash = chainHash(rows[1].prev_hash, hashPayload(rows[1]));
      await tamper(`UPDATE aventian_audit.audit_events SET data = $2, hash = $3 WHERE id = $1`, [
        ids[1],
        JSON.stringify(rows[1].data),
        rows[1].hash,
      ]);
      await expect(verifier.verify(teamId)).resolves.toMatchObject({ ok: false, firstBrokenId: ids[2], reason: 'prev_hash_mismatch' });
      // Re-link every later event too: only the Ed25519 checkpoint (seq 5) still tells.
      for (let i = 2; i < rows.length; i++) {
        rows[i].prev_hash = rows[i - 1].hash;
        rows[i].hash = chainHash(rows[i].prev_hash, hashPayload(rows[i]));
        await tamper(`UPDATE aventian_audit.audit_events SET prev_hash = $2, hash = $3 WHERE id = $1`, [
          ids[i],
          rows[i].prev_hash,
          rows[i].hash,
        ]);
      }
      await expect(verifier.verify(teamId)).resolves.toMatchObject({ ok: false, firstBrokenId: ids[4], reason: 'checkpoint_mismatch' });
    });

    it('a truncated tail is caught by the signed checkpoint past the head', async () => {
      const { teamId, ids } = await chainOf(6);
      await tamper(`DELETE FROM aventian_audit.audit_events WHERE team_id = $1 AND seq >= 5`, [teamId]);
      await expect(verifier.verify(teamId)).resolves.toMatchObject({ ok: false, firstBrokenId: ids[4], reason: 'truncated' });
    });

    it('a forged checkpoint signature', async () => {
      const { teamId, ids } = await chainOf(5);
      await tamper(`UPDATE aventian_audit.audit_checkpoints SET signature = digest('x', 'sha512') WHERE team_id = $1`, [teamId]);
      await expect(verifier.verify(teamId)).resolves.toMatchObject({
        ok: false,
        firstBrokenId: ids[4],
        reason: 'bad_checkpoint_signature',
      });
    });
  });

  it('npm run cli -- audit:verify reports the break and exits 1', async () => {
    const teamId = newId();
    for (let i = 0; i < 3; i++) await record(teamId, 'test.cli', { i });
    const ids = (await sql<{ id: string }>(t, `SELECT id FROM aventian_audit.audit_events WHERE team_id = $1 ORDER BY seq`, [teamId])).map(
      (r) => r.id,
    );
    const cli = (args: string[]) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(
          process.execPath,
          ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/cli/src/main.ts', ...args],
          {
            env: {
              PATH: process.env.PATH,
              NODE_ENV: 'test',
              LOG_LEVEL: 'silent',
              DATABASE_URL: t.database!.url,
              DATA_DIR: t.config.DATA_DIR,
              LOCAL_KEY_FILE: t.config.LOCAL_KEY_FILE!,
            },
            cwd: join(__dirname, '../..'),
          },
        );
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (out += d.toString()));
        child.on('close', (code) => resolve({ code, out }));
      });
    const ok = await cli(['audit:verify', '--team', teamId]);
    expect(ok).toMatchObject({ code: 0, out: expect.stringContaining('ok: 3 events verified') });
    const owner = await ownerClient(t);
    try {
      await owner.query(`SET session_replication_role = replica`);
      await owner.query(`UPDATE aventian_audit.audit_events SET action = 'forged' WHERE id = $1`, [ids[1]]);
    } finally {
      await owner.end();
    }
    const broken = await cli(['audit:verify', '--team', teamId]);
    expect(broken.code).toBe(1);
    expect(broken.out).toContain(`BROKEN: chain ${teamId} at event ${ids[1]} (seq 2): hash_mismatch`);
  });

  it('verify is platform-admin only', async () => {
    const user = await mintUser(t, 'plain');
    await t.http.get('/v1/audit/verify').set(user.auth).expect(403);
    await t.http.get('/v1/audit/verify').expect(401);
    await t.http.get('/v1/audit/verify?teamId=nope').set(admin.auth).expect(400);
  });
});
