import { createHash } from 'node:crypto';
import { MailOutbox } from '@avn/mail';
import { startTestApp, TestApp } from '@avn/testing';
import { bearer, login, PASSWORD, signUp, SignedUp, uniqueEmail } from './helpers';

/** Invitations on real PostgreSQL + Redis: lifecycle, one-time tokens, tenancy and privileges. */
describe('team invitations', () => {
  let t: TestApp;
  let alice: SignedUp; // owner of team A
  let bob: SignedUp; // owner of team B

  const invite = (teamId: string, token: string, body: Record<string, unknown>) =>
    t.http.post(`/v1/teams/${teamId}/invitations`).set(bearer(token)).send(body);

  beforeAll(async () => {
    t = await startTestApp({ env: { MAIL_DISPATCH_INTERVAL_MS: '0' } });
    alice = await signUp(t, 'alice');
    bob = await signUp(t, 'bob');
    // Roles of team A used below.
    await t.http
      .post(`/v1/teams/${alice.teamId}/roles`)
      .set(bearer(alice.accessToken))
      .send({ code: 'reader', name: 'Reader', privileges: ['team.members:read'] })
      .expect(201);
    await t.http
      .post(`/v1/teams/${alice.teamId}/roles`)
      .set(bearer(alice.accessToken))
      .send({ code: 'inviter', name: 'Inviter', privileges: ['team.members:read', 'team.members:write'] })
      .expect(201);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('creates an invitation: token shown once, stored hashed, e-mailed with the accept link', async () => {
    const email = uniqueEmail('new');
    const res = await invite(alice.teamId, alice.accessToken, { email, roles: ['reader'] }).expect(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      email,
      roles: ['reader'],
      status: 'pending',
      expiresAt: expect.any(String),
      token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
    const ttlHours = (new Date(res.body.expiresAt).getTime() - Date.now()) / 3600_000;
    expect(ttlHours).toBeGreaterThan(167.9);
    expect(ttlHours).toBeLessThanOrEqual(168);

    const [row] = await t.db.asPlatform(() =>
      t.db.query<{ token_hash: Buffer; row_text: string }>(
        `SELECT token_hash, i::text AS row_text FROM aventian.tbl_invitations i WHERE id = $1`,
        [res.body.id],
      ),
    );
    expect(row.token_hash.equals(createHash('sha256').update(res.body.token).digest())).toBe(true);
    expect(row.row_text).not.toContain(res.body.token);
    // Team-scoped table: without a scope RLS shows nothing, another team's scope shows nothing either.
    expect(await t.db.query(`SELECT 1 FROM aventian.tbl_invitations`)).toHaveLength(0);
    expect(
      await t.db.inTeam(bob.teamId, () => t.db.query(`SELECT 1 FROM aventian.tbl_invitations WHERE id = $1`, [res.body.id])),
    ).toHaveLength(0);
    expect(
      await t.db.inTeam(alice.teamId, () => t.db.query(`SELECT 1 FROM aventian.tbl_invitations WHERE id = $1`, [res.body.id])),
    ).toHaveLength(1);

    const [mail] = await t.db.query<{ to_address: string; subject: string; body_text: string; body_html: string; status: string }>(
      `SELECT to_address, subject, body_text, body_html, status FROM aventian.tbl_mail_outbox WHERE to_address = $1`,
      [email],
    );
    expect(mail.status).toBe('pending');
    expect(mail.body_text).toContain(`${t.config.publicUrl}/v1/invitations/${res.body.token}/accept`);
    expect(mail.subject).toContain("alice's team");

    // Log transport (no SMTP_URL): delivered and the body (with its one-time link) dropped.
    const report = await t.api.app.get(MailOutbox).dispatchPending();
    expect(report.sent).toBeGreaterThanOrEqual(1);
    const [after] = await t.db.query<{ status: string; body_text: string; sent_at: Date | null }>(
      `SELECT status, body_text, sent_at FROM aventian.tbl_mail_outbox WHERE to_address = $1`,
      [email],
    );
    expect(after).toEqual({ status: 'sent', body_text: '', sent_at: expect.any(Date) });
  });

  it('lists invitations page by page, never with tokens', async () => {
    await invite(alice.teamId, alice.accessToken, { email: uniqueEmail('l1'), roles: [] }).expect(201);
    await invite(alice.teamId, alice.accessToken, { email: uniqueEmail('l2'), roles: [] }).expect(201);
    const first = await t.http.get(`/v1/teams/${alice.teamId}/invitations?limit=1`).set(bearer(alice.accessToken)).expect(200);
    expect(first.body.items).toHaveLength(1);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await t.http
      .get(`/v1/teams/${alice.teamId}/invitations?limit=1&cursor=${first.body.nextCursor}`)
      .set(bearer(alice.accessToken))
      .expect(200);
    expect(second.body.items[0].id).not.toBe(first.body.items[0].id);
    const all = await t.http.get(`/v1/teams/${alice.teamId}/invitations?limit=200`).set(bearer(alice.accessToken)).expect(200);
    expect(all.body.items.length).toBeGreaterThanOrEqual(3);
    for (const item of all.body.items) {
      expect(item).not.toHaveProperty('token');
      expect(item).not.toHaveProperty('tokenHash');
      expect(Object.keys(item).sort()).toEqual([
        'acceptedAt',
        'acceptedBy',
        'createdAt',
        'email',
        'expiresAt',
        'id',
        'invitedBy',
        'roles',
        'status',
      ]);
    }
  });

  it('refuses a second open invitation for the same address (409)', async () => {
    const email = uniqueEmail('dup');
    await invite(alice.teamId, alice.accessToken, { email, roles: [] }).expect(201);
    const res = await invite(alice.teamId, alice.accessToken, { email: email.toUpperCase(), roles: [] }).expect(409);
    expect(res.body.error).toBe('INVITATION_PENDING');
  });

  it('validates the body: unknown roles 422, unknown fields and bad e-mails 400', async () => {
    const unknown = await invite(alice.teamId, alice.accessToken, { email: uniqueEmail('x'), roles: ['reader', 'nope'] }).expect(422);
    expect(unknown.body.error).toBe('UNKNOWN_ROLE');
    expect(unknown.body.message).toContain('nope');
    // Another team's role code is unknown here.
    await t.http
      .post(`/v1/teams/${bob.teamId}/roles`)
      .set(bearer(bob.accessToken))
      .send({ code: 'bobs-role', name: 'B', privileges: [] })
      .expect(201);
    expect((await invite(alice.teamId, alice.accessToken, { email: uniqueEmail('x'), roles: ['bobs-role'] }).expect(422)).body.error).toBe(
      'UNKNOWN_ROLE',
    );
    expect(
      (await invite(alice.teamId, alice.accessToken, { email: uniqueEmail('x'), roles: ['platform_admin'] }).expect(422)).body.error,
    ).toBe('UNKNOWN_ROLE');

    const extra = await invite(alice.teamId, alice.accessToken, { email: uniqueEmail('x'), roles: [], admin: true }).expect(400);
    expect(extra.body.error).toBe('VALIDATION_FAILED');
    const badEmail = await invite(alice.teamId, alice.accessToken, { email: 'not-an-email', roles: [] }).expect(400);
    expect(badEmail.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'email' })]));
    await invite(alice.teamId, alice.accessToken, { email: uniqueEmail('x') }).expect(400);
  });

  it('accepts as a new account: creates the user, joins with the roles, once only', async () => {
    const email = uniqueEmail('newbie');
    const { body: inv } = await invite(alice.teamId, alice.accessToken, { email, roles: ['reader'] }).expect(201);

    const missing = await t.http.post(`/v1/invitations/${inv.token}/accept`).send({}).expect(400);
    expect(missing.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['displayName', 'password']);
    await t.http.post(`/v1/invitations/${inv.token}/accept`).send({ password: 'short', displayName: 'Newbie' }).expect(400);

    const res = await t.http.post(`/v1/invitations/${inv.token}/accept`).send({ password: PASSWORD, displayName: 'Newbie' }).expect(200);
    expect(res.body).toEqual({
      teamId: alice.teamId,
      userId: expect.any(String),
      roles: ['reader'],
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
    });

    // The returned tokens work and the new member has the invited role (reader: may list members).
    const members = await t.http.get(`/v1/teams/${alice.teamId}/members?limit=200`).set(bearer(res.body.accessToken)).expect(200);
    const me = members.body.items.find((m: { userId: string }) => m.userId === res.body.userId);
    expect(me).toMatchObject({ email, displayName: 'Newbie', roles: ['reader'] });
    // ... and can sign in with the chosen password.
    await login(t, email);

    const reused = await t.http.post(`/v1/invitations/${inv.token}/accept`).send({ password: PASSWORD, displayName: 'Again' }).expect(422);
    expect(reused.body.error).toBe('INVITATION_USED');

    const [activity] = await t.db.query<{ user_id: string; team_id: string }>(
      `SELECT user_id, team_id FROM aventian_audit.activity_log WHERE action = 'invitation.accepted' AND user_email = $1`,
      [email],
    );
    expect(activity).toEqual({ user_id: res.body.userId, team_id: alice.teamId });
    const audit = await t.db.query<{ action: string; actor_id: string }>(
      `SELECT action, actor_id FROM aventian_audit.audit_events WHERE target_id = $1 ORDER BY seq`,
      [inv.id],
    );
    expect(audit.map((a) => a.action)).toEqual(['invitation.created', 'invitation.accepted']);
    expect(audit[1].actor_id).toBe(res.body.userId);
    const listed = await t.http.get(`/v1/teams/${alice.teamId}/invitations?limit=200`).set(bearer(alice.accessToken)).expect(200);
    expect(listed.body.items.find((i: { id: string }) => i.id === inv.id)).toMatchObject({
      status: 'accepted',
      acceptedBy: res.body.userId,
    });
  });

  it('accepts at most once under concurrent requests', async () => {
    const email = uniqueEmail('race');
    const { body: inv } = await invite(alice.teamId, alice.accessToken, { email, roles: [] }).expect(201);
    const results = await Promise.all(
      [0, 1, 2].map(() => t.http.post(`/v1/invitations/${inv.token}/accept`).send({ password: PASSWORD, displayName: 'Racer' })),
    );
    // The invitation row is locked while the first accept runs; the others then find it used.
    expect(results.map((r) => r.status).sort()).toEqual([200, 422, 422]);
    for (const r of results.filter((x) => x.status !== 200)) expect(r.body.error).toBe('INVITATION_USED');
  });

  it('accepts as a signed-in user whose e-mail is the invited one; refuses another account', async () => {
    const carol = await signUp(t, 'carol');
    const { body: inv } = await invite(alice.teamId, alice.accessToken, { email: carol.email, roles: ['reader'] }).expect(201);

    // Somebody else signed in cannot use carol's invitation.
    const wrong = await t.http.post(`/v1/invitations/${inv.token}/accept`).set(bearer(bob.accessToken)).send({}).expect(403);
    expect(wrong.body.error).toBe('INVITATION_EMAIL_MISMATCH');
    // Without credentials, an existing account must sign in instead.
    const exists = await t.http
      .post(`/v1/invitations/${inv.token}/accept`)
      .send({ password: PASSWORD, displayName: 'Carol 2' })
      .expect(409);
    expect(exists.body.error).toBe('ACCOUNT_EXISTS');

    const res = await t.http.post(`/v1/invitations/${inv.token}/accept`).set(bearer(carol.accessToken)).send({}).expect(200);
    expect(res.body).toEqual({ teamId: alice.teamId, userId: carol.userId, roles: ['reader'] });
    const me = await t.http.get('/v1/me').set(bearer(carol.accessToken)).expect(200);
    expect(me.body.teams).toEqual(expect.arrayContaining([expect.objectContaining({ id: alice.teamId, roles: ['reader'] })]));

    // Inviting an existing member is a conflict.
    expect((await invite(alice.teamId, alice.accessToken, { email: carol.email, roles: [] }).expect(409)).body.error).toBe(
      'ALREADY_MEMBER',
    );
  });

  it('refuses expired, revoked and unknown invitations', async () => {
    const lateEmail = uniqueEmail('late');
    const { body: expired } = await invite(alice.teamId, alice.accessToken, { email: lateEmail, roles: [] }).expect(201);
    await t.db.asPlatform(() =>
      t.db.query(`UPDATE aventian.tbl_invitations SET expires_at = now() - interval '1 minute' WHERE id = $1`, [expired.id]),
    );
    const late = await t.http.post(`/v1/invitations/${expired.token}/accept`).send({ password: PASSWORD, displayName: 'Late' }).expect(422);
    expect(late.body.error).toBe('INVITATION_EXPIRED');
    const listed = await t.http.get(`/v1/teams/${alice.teamId}/invitations?limit=200`).set(bearer(alice.accessToken)).expect(200);
    expect(listed.body.items.find((i: { id: string }) => i.id === expired.id).status).toBe('expired');
    // A lapsed invitation does not block a new one for the same address; the old token stays dead.
    const { body: renewed } = await invite(alice.teamId, alice.accessToken, { email: lateEmail, roles: [] }).expect(201);
    expect(
      (await t.http.post(`/v1/invitations/${expired.token}/accept`).send({ password: PASSWORD, displayName: 'Late' }).expect(422)).body
        .error,
    ).toBe('INVITATION_EXPIRED');
    await t.http.post(`/v1/invitations/${renewed.token}/accept`).send({ password: PASSWORD, displayName: 'Late' }).expect(200);

    const { body: revoked } = await invite(alice.teamId, alice.accessToken, { email: uniqueEmail('rev'), roles: [] }).expect(201);
    await t.http.delete(`/v1/teams/${alice.teamId}/invitations/${revoked.id}`).set(bearer(alice.accessToken)).expect(204);
    await t.http.delete(`/v1/teams/${alice.teamId}/invitations/${revoked.id}`).set(bearer(alice.accessToken)).expect(204); // idempotent
    const rev = await t.http.post(`/v1/invitations/${revoked.token}/accept`).send({ password: PASSWORD, displayName: 'Rev' }).expect(422);
    expect(rev.body.error).toBe('INVITATION_REVOKED');

    await t.http
      .post(`/v1/invitations/${'A'.repeat(43)}/accept`)
      .send({ password: PASSWORD, displayName: 'X' })
      .expect(404);
    await t.http.post('/v1/invitations/garbage/accept').send({}).expect(404);
    await t.http
      .delete(`/v1/teams/${alice.teamId}/invitations/00000000-0000-7000-8000-000000000000`)
      .set(bearer(alice.accessToken))
      .expect(404);
  });

  it('keeps tenants apart: another team cannot list or revoke them (404)', async () => {
    const { body: inv } = await invite(alice.teamId, alice.accessToken, { email: uniqueEmail('bola'), roles: [] }).expect(201);
    await t.http.get(`/v1/teams/${alice.teamId}/invitations`).set(bearer(bob.accessToken)).expect(404);
    await t.http.delete(`/v1/teams/${alice.teamId}/invitations/${inv.id}`).set(bearer(bob.accessToken)).expect(404);
    await invite(alice.teamId, bob.accessToken, { email: uniqueEmail('x'), roles: [] }).expect(404);
    // Through bob's own team path, alice's invitation does not exist.
    await t.http.delete(`/v1/teams/${bob.teamId}/invitations/${inv.id}`).set(bearer(bob.accessToken)).expect(404);
    const bobsList = await t.http.get(`/v1/teams/${bob.teamId}/invitations`).set(bearer(bob.accessToken)).expect(200);
    expect(bobsList.body.items.map((i: { id: string }) => i.id)).not.toContain(inv.id);
    // Still open.
    const listed = await t.http.get(`/v1/teams/${alice.teamId}/invitations?limit=200`).set(bearer(alice.accessToken)).expect(200);
    expect(listed.body.items.find((i: { id: string }) => i.id === inv.id).status).toBe('pending');
    await t.http.get(`/v1/teams/${alice.teamId}/invitations`).expect(401);
  });

  it('checks privileges: readers may list but not invite; inviters cannot hand out more than they hold', async () => {
    const dan = await signUp(t, 'dan');
    const { body: readerInv } = await invite(alice.teamId, alice.accessToken, { email: dan.email, roles: ['reader'] }).expect(201);
    await t.http.post(`/v1/invitations/${readerInv.token}/accept`).set(bearer(dan.accessToken)).send({}).expect(200);
    const danToken = await login(t, dan.email, alice.teamId);
    await t.http.get(`/v1/teams/${alice.teamId}/invitations`).set(bearer(danToken)).expect(200);
    const forbidden = await invite(alice.teamId, danToken, { email: uniqueEmail('x'), roles: [] }).expect(403);
    expect(forbidden.body.error).toBe('FORBIDDEN');
    const { body: any } = await t.http.get(`/v1/teams/${alice.teamId}/invitations?limit=1`).set(bearer(danToken)).expect(200);
    await t.http.delete(`/v1/teams/${alice.teamId}/invitations/${any.items[0].id}`).set(bearer(danToken)).expect(403);

    const erin = await signUp(t, 'erin');
    const { body: inviterInv } = await invite(alice.teamId, alice.accessToken, { email: erin.email, roles: ['inviter'] }).expect(201);
    await t.http.post(`/v1/invitations/${inviterInv.token}/accept`).set(bearer(erin.accessToken)).send({}).expect(200);
    await invite(alice.teamId, erin.accessToken, { email: uniqueEmail('ok'), roles: ['reader'] }).expect(201);
    await invite(alice.teamId, erin.accessToken, { email: uniqueEmail('own'), roles: ['team_owner'] }).expect(403);
  });
});
