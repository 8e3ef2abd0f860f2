import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { anchorKey, AuditAnchors, AuditEventRow, AuditService, AuditVerifier, chainHash, hashPayload } from '@avn/audit';
import { newId } from '@avn/database';
import { ObjectStore } from '@avn/storage';
import { startTestApp, TestApp } from '@avn/testing';
import { AuditTestUser, makePlatformAdmin, mintUser, ownerClient, sql } from './audit-helpers';

/** Polls until `check` returns a value (not undefined) or the deadline passes. */
async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Two instances of one deployment, anchor job on with a 1 s lag, one shared object store. */
describe('audit anchors (AUDIT_CHECKPOINT_MAX_LAG_SECONDS, audit-anchors/ in the object store)', () => {
  const objects = mkdtempSync(join(tmpdir(), 'avn-anchors-'));
  const env = { AUDIT_ANCHOR_JOB: 'on', AUDIT_CHECKPOINT_MAX_LAG_SECONDS: '1', OBJECT_STORE_URL: `file://${objects}` };
  let a: TestApp;
  let b: TestApp;
  let admin: AuditTestUser;

  beforeAll(async () => {
    a = await startTestApp({ env });
    b = await startTestApp({ env, database: a.database });
    admin = await mintUser(a, 'admin');
    await makePlatformAdmin(a, admin.id);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    rmSync(objects, { recursive: true, force: true });
  });

  const record = (t: TestApp, teamId: string, i: number) =>
    t.db.transaction(() => t.api.app.get(AuditService).record({ teamId, action: 'test.anchor', data: { i } }));

  /** A chain of n events written through both instances, anchored up to its head. */
  async function anchoredChain(n: number): Promise<string> {
    const teamId = newId();
    for (let i = 0; i < n; i++) await record(i % 2 ? b : a, teamId, i);
    await eventually(async () => ((await a.api.app.get(ObjectStore).head(anchorKey(teamId, String(n)))) ? true : undefined));
    return teamId;
  }

  async function asOwner(statements: [string, unknown[]][]): Promise<void> {
    const owner = await ownerClient(a);
    try {
      await owner.query('BEGIN');
      await owner.query(`SET LOCAL session_replication_role = replica`);
      for (const [text, params] of statements) await owner.query(text, params);
      await owner.query('COMMIT');
    } finally {
      await owner.end();
    }
  }

  const verifyHttp = (teamId: string) =>
    a.http
      .get('/v1/audit/verify')
      .query({ teamId, anchors: 'true' })
      .set(admin.auth)
      .expect(200)
      .then((r) => r.body as Record<string, unknown>);

  it('a small chain gets a signed checkpoint and an anchor within the lag, once, with two instances running the job', async () => {
    const teamId = await anchoredChain(3);
    const checkpoints = await sql<{ seq: string }>(a, `SELECT seq FROM aventian_audit.audit_checkpoints WHERE team_id = $1`, [teamId]);
    expect(checkpoints.map((c) => String(c.seq))).toContain('3');
    expect(new Set(checkpoints.map((c) => c.seq)).size).toBe(checkpoints.length);
    const body = await verifyHttp(teamId);
    expect(body).toMatchObject({ ok: true, checked: 3 });
    expect(body.anchorsChecked).toBeGreaterThanOrEqual(1);
  });

  it('reports a truncated chain (tail and its checkpoints deleted by the owner) with the chain and seq', async () => {
    const teamId = await anchoredChain(6);
    await asOwner([
      [
        `DELETE FROM aventian_audit.audit_anchors WHERE checkpoint_id IN (SELECT id FROM aventian_audit.audit_checkpoints WHERE team_id = $1 AND seq > 4)`,
        [teamId],
      ],
      [`DELETE FROM aventian_audit.audit_checkpoints WHERE team_id = $1 AND seq > 4`, [teamId]],
      [`DELETE FROM aventian_audit.audit_events WHERE team_id = $1 AND seq > 4`, [teamId]],
    ]);
    // The database alone no longer shows it.
    await expect(a.api.app.get(AuditVerifier).verify(teamId)).resolves.toMatchObject({ ok: true, checked: 4 });
    const body = await verifyHttp(teamId);
    expect(body).toMatchObject({ ok: false, reason: 'truncated', chain: teamId });
    // The first anchor the database lost: 6, or 5 if a pass anchored the chain while it was written.
    expect(['5', '6']).toContain(body.seq);
    await expect(a.api.app.get(AuditAnchors).verify(teamId)).resolves.toMatchObject({ reason: 'truncated', headSeq: '4' });
  });

  it('reports a rewrite with recomputed hashes (checkpoints removed) as anchor_mismatch with the chain and seq', async () => {
    const teamId = await anchoredChain(6);
    const rows = await sql<AuditEventRow>(a, `SELECT * FROM aventian_audit.audit_events WHERE team_id = $1 ORDER BY seq`, [teamId]);
    // Rewrite event 3 and re-hash 3..6 so the chain is internally consistent again.
    const statements: [string, unknown[]][] = [
      [
        `DELETE FROM aventian_audit.audit_anchors WHERE checkpoint_id IN (SELECT id FROM aventian_audit.audit_checkpoints WHERE team_id = $1 AND seq >= 3)`,
        [teamId],
      ],
      [`DELETE FROM aventian_audit.audit_checkpoints WHERE team_id = $1 AND seq >= 3`, [teamId]],
    ];
    let prev = rows[1].hash;
    for (const row of rows.slice(2)) {
      const data = String(row.seq) === '3' ? { i: 'forged' } : row.data;
      const hash = chainHash(prev, hashPayload({ ...row, seq: String(row.seq), data }));
      statements.push([
        `UPDATE aventian_audit.audit_events SET data = $2, prev_hash = $3, hash = $4 WHERE id = $1`,
        [row.id, JSON.stringify(data), prev, hash],
      ]);
      prev = hash;
    }
    await asOwner(statements);
    await expect(a.api.app.get(AuditVerifier).verify(teamId)).resolves.toMatchObject({ ok: true });
    const body = await verifyHttp(teamId);
    expect(body).toMatchObject({ ok: false, reason: 'anchor_mismatch', chain: teamId });
    expect(Number(body.seq)).toBeGreaterThanOrEqual(3);
    expect(Number(body.sinceSeq)).toBeLessThanOrEqual(3);
  });

  it('a forged event before a checkpoint is located at the forged row, not at the checkpoint', async () => {
    const teamId = await anchoredChain(6);
    const [forged] = await sql<{ id: string }>(a, `SELECT id FROM aventian_audit.audit_events WHERE team_id = $1 AND seq = 2`, [teamId]);
    await asOwner([[`UPDATE aventian_audit.audit_events SET data = '{"i":"forged"}' WHERE id = $1`, [forged.id]]]);
    const body = await verifyHttp(teamId);
    expect(body).toMatchObject({ ok: false, reason: 'hash_mismatch', firstBrokenId: forged.id, chain: teamId, seq: '2' });
  });

  it('refuses a bad anchors flag', async () => {
    await a.http.get('/v1/audit/verify').query({ anchors: 'yes' }).set(admin.auth).expect(400);
  });
});
