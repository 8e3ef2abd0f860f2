import { AuditVerifier } from '@avn/audit';
import { startTestApp, TestApp } from '@avn/testing';
import { randomBytes } from 'node:crypto';
import { makePlatformAdmin, mintUser, AuditTestUser } from './audit-helpers';

const PASSWORD = 'Audit-Trail-Password-77!';

interface TrailEvent {
  id: string;
  teamId: string | null;
  actorId: string | null;
  actorType: string;
  action: string;
  target: { type: string | null; id: string | null } | null;
  data: Record<string, unknown>;
}

/**
 * "Every change made through the management API appears in the audit trail": performs one of each
 * kind of change over HTTP, as the caller a real client would be, then reads the trail back through
 * GET /v1/audit/events and checks each change left its event (right chain, right actor), that no
 * secret reached the trail, and that every chain still verifies.
 */
describe('management API changes land in the audit trail', () => {
  let t: TestApp;
  let admin: AuditTestUser;
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    t = await startTestApp({ env: { PROVISIONING_TIMEOUT_MS: '8000' } });
    admin = await mintUser(t, 'admin');
    await makePlatformAdmin(t, admin.id);
  });
  afterAll(async () => {
    await t?.close();
  });

  async function signUp(label: string, email = `${label}-${randomBytes(4).toString('hex')}@trail.test`) {
    const res = await t.http
      .post('/v1/auth/signup')
      .send({ email, password: PASSWORD, displayName: label, teamName: `${label} team` })
      .expect(201);
    return { userId: res.body.user.id as string, teamId: res.body.team.id as string, token: res.body.accessToken as string, email };
  }

  async function trail(query: Record<string, string>): Promise<TrailEvent[]> {
    const out: TrailEvent[] = [];
    let cursor: string | undefined;
    do {
      const res = await t.http
        .get('/v1/audit/events')
        .query({ ...query, limit: 200, ...(cursor ? { cursor } : {}) })
        .set(admin.auth)
        .expect(200);
      out.push(...res.body.items);
      cursor = res.body.nextCursor ?? undefined;
    } while (cursor);
    return out.reverse(); // oldest first
  }

  it('records team, role, membership, invitation, product, key, subscription and user changes', async () => {
    const owner = await signUp('owner');
    const o = auth(owner.token);
    const a = admin.auth;

    // --- teams ---
    const team = (await t.http.post('/v1/teams').set(o).send({ name: 'Trail team' }).expect(201)).body;
    await t.http.patch(`/v1/teams/${team.id}`).set(o).send({ name: 'Trail team renamed' }).expect(200);

    // --- roles ---
    await t.http
      .post(`/v1/teams/${team.id}/roles`)
      .set(o)
      .send({ code: 'auditors', name: 'Auditors', privileges: ['team.audit:read'] })
      .expect(201);
    await t.http
      .post(`/v1/teams/${team.id}/roles`)
      .set(o)
      .send({ code: 'viewers', name: 'Viewers', privileges: ['team:read'] })
      .expect(201);
    await t.http
      .put(`/v1/teams/${team.id}/roles/auditors/privileges`)
      .set(o)
      .send({ privileges: ['team.audit:read', 'team:read'] })
      .expect(200);

    // --- invitations and membership ---
    const inviteeEmail = `invitee-${randomBytes(4).toString('hex')}@trail.test`;
    const invitation = (
      await t.http
        .post(`/v1/teams/${team.id}/invitations`)
        .set(o)
        .send({ email: inviteeEmail, roles: ['auditors'] })
        .expect(201)
    ).body;
    const spare = (
      await t.http
        .post(`/v1/teams/${team.id}/invitations`)
        .set(o)
        .send({ email: `spare-${randomBytes(4).toString('hex')}@trail.test`, roles: [] })
        .expect(201)
    ).body;
    await t.http.delete(`/v1/teams/${team.id}/invitations/${spare.id}`).set(o).expect(204);
    const invitee = await signUp('invitee', inviteeEmail);
    await t.http.post(`/v1/invitations/${invitation.token}/accept`).set(auth(invitee.token)).send({}).expect(200);

    // --- grants and revokes ---
    await t.http.post(`/v1/teams/${team.id}/members/${invitee.userId}/roles/viewers`).set(o).expect(201);
    await t.http.delete(`/v1/teams/${team.id}/members/${invitee.userId}/roles/viewers`).set(o).expect(204);
    await t.http
      .put(`/v1/teams/${team.id}/members/${invitee.userId}/roles`)
      .set(o)
      .send({ roles: ['viewers'] })
      .expect(200);

    // --- products (platform admin) ---
    const code = `trail-${randomBytes(3).toString('hex')}`;
    await t.http
      .post('/v1/products')
      .set(a)
      .send({
        code,
        name: 'Trail product',
        provisioningScript: 'example-provision.js',
        dashboardUrl: 'https://dash.example.com',
        allowedResourceTypes: ['orders'],
      })
      .expect(201);
    await t.http.patch(`/v1/products/${code}`).set(a).send({ name: 'Trail product v2' }).expect(200);
    await t.http.post(`/v1/products/${code}/privileges`).set(a).send({ resourceType: 'orders', action: 'read' }).expect(201);
    await t.http
      .post(`/v1/products/${code}/role-templates`)
      .set(a)
      .send({ code: 'orders.viewer', name: 'Orders viewer', privileges: ['orders:read'] })
      .expect(201);
    await t.http.put(`/v1/products/${code}/role-templates/orders.viewer/privileges`).set(a).send({ privileges: [] }).expect(200);
    const key = (await t.http.post(`/v1/products/${code}/api-keys`).set(a).send({ name: 'backend' }).expect(201)).body;
    await t.http.delete(`/v1/products/${code}/api-keys/${key.id}`).set(a).expect(204);
    const readerKey = (await t.http.post(`/v1/products/${code}/api-keys`).set(a).send({ name: 'reader' }).expect(201)).body.key as string;

    // --- subscriptions ---
    await t.http.post(`/v1/teams/${team.id}/subscriptions`).set(o).send({ productCode: code, plan: 'pro', seats: 5 }).expect(201);
    await t.http.patch(`/v1/teams/${team.id}/subscriptions/${code}`).set(o).send({ plan: 'enterprise' }).expect(200);
    const secretConnection = `postgres://tenant:Sup3rSecret${randomBytes(4).toString('hex')}@db.internal/tenant`;
    await t.http
      .put(`/v1/teams/${team.id}/subscriptions/${code}/db-connection`)
      .set(a)
      .send({ connectionString: secretConnection })
      .expect(204);
    const read = await t.http.get(`/v1/teams/${team.id}/db-connection`).set(auth(readerKey)).expect(200);
    expect(read.body.connectionString).toBe(secretConnection);
    await t.http
      .delete(`/v1/teams/${team.id}/subscriptions/${code}`)
      .set(o)
      .expect((r) => expect([200, 204]).toContain(r.status));

    // --- member removal, users, team deletion ---
    await t.http.delete(`/v1/teams/${team.id}/members/${invitee.userId}`).set(o).expect(204);
    await t.http.patch('/v1/me').set(o).send({ displayName: 'Owner renamed' }).expect(200);
    await t.http
      .patch('/v1/me')
      .set(auth(invitee.token))
      .send({ password: `${PASSWORD}-new`, currentPassword: PASSWORD })
      .expect(200);
    await t.http.patch(`/v1/users/${invitee.userId}`).set(a).send({ status: 'disabled' }).expect(200);
    await t.http.patch(`/v1/users/${invitee.userId}`).set(a).send({ status: 'active' }).expect(200);
    await t.http
      .delete(`/v1/teams/${team.id}`)
      .set(o)
      .expect((r) => expect([200, 204]).toContain(r.status));

    // --- the trail ---
    const teamTrail = await trail({ teamId: team.id });
    const teamActions = teamTrail.map((e) => e.action);
    for (const action of [
      'team.created',
      'team.renamed',
      'role.created',
      'role.privileges_changed',
      'invitation.created',
      'invitation.revoked',
      'invitation.accepted',
      'member.added',
      'role.granted',
      'role.revoked',
      'subscription.created',
      'subscription.updated',
      'subscription.canceled',
      'member.removed',
      'db_connection.read',
      'team.deleted',
    ]) {
      expect({ action, present: teamActions.includes(action) }).toEqual({ action, present: true });
    }
    expect(teamActions.filter((x) => x === 'role.created')).toHaveLength(2);
    expect(teamActions.some((x) => x === 'db_connection.set' || x === 'db_connection.rotated')).toBe(true);
    expect(teamActions[0]).toBe('team.created');
    expect(teamActions[teamActions.length - 1]).toBe('team.deleted');

    // The actor is whoever made the change.
    const actorOf = (action: string) => teamTrail.find((e) => e.action === action)!;
    expect(actorOf('team.renamed')).toMatchObject({ actorId: owner.userId, actorType: 'user', teamId: team.id });
    expect(actorOf('invitation.accepted')).toMatchObject({ actorId: invitee.userId });
    expect(teamTrail.find((e) => e.action.startsWith('db_connection.'))).toMatchObject({ actorId: admin.id });

    // Platform-level changes (products, keys, users) go to the platform chain or the user's own events.
    const everything = await trail({});
    const mineOnly = everything.filter((e) => [owner.userId, admin.id, invitee.userId].includes(e.actorId ?? ''));
    const platformActions = mineOnly.map((e) => e.action);
    for (const action of [
      'user.signed_up',
      'product.created',
      'product.updated',
      'product.privilege.created',
      'product.role_template.created',
      'product.role_template.updated',
      'product.api_key.created',
      'product.api_key.revoked',
      'user.profile_updated',
      'user.password_changed',
      'user.disabled',
      'user.enabled',
    ]) {
      expect({ action, present: platformActions.includes(action) }).toEqual({ action, present: true });
    }
    expect(mineOnly.find((e) => e.action === 'user.disabled')).toMatchObject({
      actorId: admin.id,
      target: { type: 'user', id: invitee.userId },
    });

    // No secret reached the trail: not the connection string, the product key, the invitation token or a password.
    const dump = JSON.stringify(everything);
    expect(dump).not.toContain(secretConnection);
    expect(dump).not.toContain('Sup3rSecret');
    expect(dump).not.toContain(key.key);
    expect(dump).not.toContain(readerKey);
    // Reads of a tenant's connection are attributed to the product key that made them.
    expect(teamTrail.find((e) => e.action === 'db_connection.read')).toMatchObject({ actorType: 'product_key' });
    expect(dump).not.toContain(invitation.token);
    expect(dump).not.toContain(PASSWORD);
    expect(dump).not.toMatch(/"(password|currentPassword|connectionString|token|key)"\s*:/);

    await expect(t.api.app.get(AuditVerifier).verify()).resolves.toMatchObject({ ok: true });
  });

  it('records sign-in activity (sign-up, login, team switch, invitation acceptance) in the activity log', async () => {
    const owner = await signUp('active');
    await t.http.post('/v1/auth/login').send({ email: owner.email, password: PASSWORD }).expect(200);
    await t.http.post('/v1/auth/login').send({ email: owner.email, password: 'wrong-password-123456' }).expect(401);
    const second = (await t.http.post('/v1/teams').set(auth(owner.token)).send({ name: 'Second' }).expect(201)).body;
    await t.http.post('/v1/auth/switch-team').set(auth(owner.token)).send({ teamId: second.id }).expect(200);
    const inviteeEmail = `acc-${randomBytes(4).toString('hex')}@trail.test`;
    const inv = (
      await t.http.post(`/v1/teams/${second.id}/invitations`).set(auth(owner.token)).send({ email: inviteeEmail, roles: [] }).expect(201)
    ).body;
    const invitee = await signUp('acc', inviteeEmail);
    await t.http.post(`/v1/invitations/${inv.token}/accept`).set(auth(invitee.token)).send({}).expect(200);

    const mine = (await t.http.get('/v1/audit/activity').query({ userEmail: owner.email, limit: 200 }).set(admin.auth).expect(200)).body
      .items;
    const actions = mine.map((i: { action: string }) => i.action);
    for (const action of ['signup', 'login.succeeded', 'login.failed', 'team.switched'])
      expect({ action, present: actions.includes(action) }).toEqual({ action, present: true });
    expect(mine.find((i: { action: string }) => i.action === 'team.switched')).toMatchObject({ teamId: second.id, userEmail: owner.email });
    // The team owner reads the second team's activity; the acceptance is there.
    const team = (await t.http.get('/v1/audit/activity').query({ teamId: second.id }).set(auth(owner.token)).expect(200)).body.items;
    expect(team.map((i: { action: string }) => i.action)).toEqual(expect.arrayContaining(['team.switched', 'invitation.accepted']));
    const verify = await t.http.get('/v1/audit/verify').set(admin.auth).expect(200);
    expect(verify.body).toMatchObject({ ok: true });
  });
});
