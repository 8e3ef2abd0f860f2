import { ActivityLogService, AuditService } from '@avn/audit';
import { RequestContext } from '@avn/common';
import { newId } from '@avn/database';
import { startTestApp, TestApp } from '@avn/testing';
import { addMember, makePlatformAdmin, mintUser, sql, teamWithOwner, AuditTestUser } from './audit-helpers';

describe('audit query, activity log and export', () => {
  let t: TestApp;
  let admin: AuditTestUser;
  let owner: AuditTestUser;
  let auditor: AuditTestUser;
  let viewer: AuditTestUser;
  let outsider: AuditTestUser;
  let teamA: string;
  let teamB: string;

  beforeAll(async () => {
    t = await startTestApp();
    [admin, owner, auditor, viewer, outsider] = await Promise.all(
      ['admin', 'owner', 'auditor', 'viewer', 'outsider'].map((l) => mintUser(t, l)),
    );
    await makePlatformAdmin(t, admin.id);
    teamA = await teamWithOwner(t, 'Acme', owner.id);
    teamB = await teamWithOwner(t, 'Globex', outsider.id);
    await addMember(t, teamA, auditor.id, 'auditor', ['team.audit:read']);
    await addMember(t, teamA, viewer.id, 'viewer', ['team:read']);

    const audit = t.api.app.get(AuditService);
    const activity = t.api.app.get(ActivityLogService);
    // 30 events on A (alternating actions, two actors), 3 on B; written inside a request-like context.
    await RequestContext.run({ requestId: 'req-seed', ip: '203.0.113.7' }, async () => {
      for (let i = 0; i < 30; i++) {
        await t.db.transaction(() =>
          audit.record({
            teamId: teamA,
            action: i % 2 ? 'role.granted' : 'team.renamed',
            actorId: i % 3 ? owner.id : auditor.id,
            actorType: 'user',
            targetType: 'team',
            targetId: teamA,
            data: { i, note: 'a,"quoted"\nline' },
          }),
        );
      }
      for (let i = 0; i < 3; i++) await t.db.transaction(() => audit.record({ teamId: teamB, action: 'team.renamed', data: { i } }));
      for (let i = 0; i < 5; i++)
        await activity.record({ userId: owner.id, userEmail: owner.email, teamId: teamA, action: i % 2 ? 'login' : 'switch-team' });
      await activity.record({ userId: outsider.id, userEmail: outsider.email, teamId: teamB, action: 'login' });
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('pages a team chain newest first with stable cursors and the contract fields', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { body: { items: Array<Record<string, unknown>>; nextCursor: string | null } } = await t.http
        .get('/v1/audit/events')
        .query({ teamId: teamA, limit: 7, ...(cursor ? { cursor } : {}) })
        .set(admin.auth)
        .expect(200);
      seen.push(...res.body.items.map((i) => i.id as string));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(5);
    expect(new Set(seen).size).toBe(30);
    const all = await sql<{ id: string }>(t, `SELECT id FROM aventian_audit.audit_events WHERE team_id = $1 ORDER BY ts DESC, id DESC`, [
      teamA,
    ]);
    expect(seen).toEqual(all.map((r) => r.id));

    const first = (await t.http.get('/v1/audit/events').query({ teamId: teamA, limit: 2 }).set(admin.auth).expect(200)).body.items;
    expect(first[0]).toEqual({
      id: expect.any(String),
      ts: expect.any(String),
      teamId: teamA,
      seq: '30',
      actorId: owner.id,
      actorType: 'user',
      action: 'role.granted',
      target: { type: 'team', id: teamA },
      data: { i: 29, note: 'a,"quoted"\nline' },
      requestId: 'req-seed',
      ip: '203.0.113.7',
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      prevHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(first[0].prevHash).toBe(first[1].hash);
  });

  it('filters by action, actor and time range', async () => {
    const byAction = await t.http
      .get('/v1/audit/events')
      .query({ teamId: teamA, action: 'role.granted', limit: 200 })
      .set(admin.auth)
      .expect(200);
    expect(byAction.body.items).toHaveLength(15);
    expect(byAction.body.items.every((i: { action: string }) => i.action === 'role.granted')).toBe(true);
    const byActor = await t.http
      .get('/v1/audit/events')
      .query({ teamId: teamA, actorId: auditor.id, limit: 200 })
      .set(admin.auth)
      .expect(200);
    expect(byActor.body.items).toHaveLength(10);
    const future = new Date(Date.now() + 3600_000).toISOString();
    const none = await t.http.get('/v1/audit/events').query({ teamId: teamA, from: future }).set(admin.auth).expect(200);
    expect(none.body).toEqual({ items: [], nextCursor: null });
    const before = await t.http.get('/v1/audit/events').query({ teamId: teamA, to: future, limit: 200 }).set(admin.auth).expect(200);
    expect(before.body.items).toHaveLength(30);
    // A platform admin may list across teams.
    const everything = await t.http.get('/v1/audit/events').query({ action: 'team.renamed', limit: 200 }).set(admin.auth).expect(200);
    expect(new Set(everything.body.items.map((i: { teamId: string }) => i.teamId))).toEqual(new Set([teamA, teamB]));
  });

  it('lets a team owner and a member with team.audit:read read their own team only', async () => {
    await t.http.get('/v1/audit/events').query({ teamId: teamA }).set(owner.auth).expect(200);
    const res = await t.http.get('/v1/audit/events').query({ teamId: teamA, limit: 200 }).set(auditor.auth).expect(200);
    expect(res.body.items).toHaveLength(30);
    // Another team: 404, never 403 (tenant existence not revealed).
    await t.http.get('/v1/audit/events').query({ teamId: teamB }).set(owner.auth).expect(404);
    await t.http.get('/v1/audit/events').query({ teamId: newId() }).set(owner.auth).expect(404);
    await t.http.get('/v1/audit/activity').query({ teamId: teamB }).set(auditor.auth).expect(404);
    // A member without the privilege: 403.
    await t.http.get('/v1/audit/events').query({ teamId: teamA }).set(viewer.auth).expect(403);
    await t.http.get('/v1/audit/activity').query({ teamId: teamA }).set(viewer.auth).expect(403);
    // Non-admins must name a team.
    const missing = await t.http.get('/v1/audit/events').set(owner.auth).expect(400);
    expect(missing.body.error).toBe('VALIDATION_FAILED');
    await t.http.get('/v1/audit/events').query({ teamId: teamA }).expect(401);
    // Export is platform admin only.
    await t.http.get('/v1/audit/events/export').query({ teamId: teamA }).set(owner.auth).expect(403);
  });

  it('rejects bad input: unknown fields, bad ids, forged cursors', async () => {
    await t.http.get('/v1/audit/events').query({ teamId: 'x' }).set(admin.auth).expect(400);
    await t.http.get('/v1/audit/events').query({ bogus: 1 }).set(admin.auth).expect(400);
    await t.http.get('/v1/audit/events').query({ limit: 1000 }).set(admin.auth).expect(400);
    const forged = Buffer.from(JSON.stringify({ ts: "x'; DROP TABLE x; --", id: newId() })).toString('base64url');
    await t.http.get('/v1/audit/events').query({ cursor: forged }).set(admin.auth).expect(400);
    await t.http.get('/v1/audit/events').query({ cursor: 'not-a-cursor' }).set(admin.auth).expect(400);
  });

  it('lists the activity log with filters and cursors', async () => {
    const page1 = await t.http.get('/v1/audit/activity').query({ teamId: teamA, limit: 3 }).set(owner.auth).expect(200);
    expect(page1.body.items).toHaveLength(3);
    expect(page1.body.items[0]).toEqual({
      userEmail: owner.email,
      teamId: teamA,
      productId: null,
      action: 'switch-team',
      timestamp: expect.any(String),
      ip: '203.0.113.7',
    });
    const page2 = await t.http
      .get('/v1/audit/activity')
      .query({ teamId: teamA, limit: 3, cursor: page1.body.nextCursor })
      .set(owner.auth)
      .expect(200);
    expect(page2.body.items).toHaveLength(2);
    expect(page2.body.nextCursor).toBeNull();
    const logins = await t.http
      .get('/v1/audit/activity')
      .query({ userEmail: owner.email.toUpperCase(), action: 'login' })
      .set(admin.auth)
      .expect(200);
    expect(logins.body.items).toHaveLength(2);
    const all = await t.http.get('/v1/audit/activity').set(admin.auth).expect(200);
    expect(all.body.items.some((i: { teamId: string }) => i.teamId === teamB)).toBe(true);
  });

  it('exports NDJSON as a streamed attachment that matches the chain', async () => {
    const res = await t.http
      .get('/v1/audit/events/export')
      .query({ teamId: teamA, format: 'ndjson' })
      .set(admin.auth)
      .buffer(true)
      .parse((r, cb) => {
        let data = '';
        r.on('data', (c: Buffer) => (data += c.toString('utf8')));
        r.on('end', () => cb(null, data));
      })
      .expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/);
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="audit-events-\d{8}T\d{6}Z\.ndjson"$/);
    const lines = (res.body as string)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(30);
    expect(lines.map((l) => l.seq)).toEqual(Array.from({ length: 30 }, (_, i) => String(30 - i)));
    for (let i = 0; i < lines.length - 1; i++) expect(lines[i].prevHash).toBe(lines[i + 1].hash);
    // Same shape and values as the JSON API.
    const api = await t.http.get('/v1/audit/events').query({ teamId: teamA, limit: 30 }).set(admin.auth).expect(200);
    expect(lines).toEqual(api.body.items);
  });

  it('exports CSV with RFC 4180 escaping', async () => {
    const res = await t.http
      .get('/v1/audit/events/export')
      .query({ teamId: teamB, format: 'csv' })
      .set(admin.auth)
      .buffer(true)
      .parse((r, cb) => {
        let data = '';
        r.on('data', (c: Buffer) => (data += c.toString('utf8')));
        r.on('end', () => cb(null, data));
      })
      .expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toMatch(/filename="audit-events-.*\.csv"/);
    const rows = (res.body as string).split('\r\n').filter(Boolean);
    expect(rows[0]).toBe('id,ts,teamId,seq,actorId,actorType,action,targetType,targetId,data,requestId,ip,hash,prevHash');
    expect(rows).toHaveLength(4);
    expect(rows[1]).toContain(',"{""i"": 2}",');

    const a = await t.http
      .get('/v1/audit/events/export')
      .query({ teamId: teamA, format: 'csv', action: 'team.renamed' })
      .set(admin.auth)
      .buffer(true)
      .parse((r, cb) => {
        let data = '';
        r.on('data', (c: Buffer) => (data += c.toString('utf8')));
        r.on('end', () => cb(null, data));
      })
      .expect(200);
    // The embedded quote, comma and newline of `note` stay inside one quoted field.
    expect(a.body).toContain('"{""i"": 28, ""note"": ""a,\\""quoted\\""\\nline""}"');
  });
});
