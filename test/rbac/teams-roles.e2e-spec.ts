import { CacheKeys } from '@avn/cache';
import { UserAccessReader } from '@avn/common';
import type { UserActor } from '@avn/common';
import { newId } from '@avn/database';
import { MembershipService, RoleAssignmentsService, TeamsService } from '@avn/rbac';
import { startTestApp, TestApp } from '@avn/testing';
import { auditActions, makePlatformAdmin, mintUser, snapshotTeam, TestUser } from './rbac-helpers';

/**
 * Teams, members and roles routes on the real app (PostgreSQL + Redis): behaviour, the BOLA
 * matrix (other team -> 404, no privilege -> 403, mass assignment -> 400), last-owner rule,
 * privilege-escalation guard, audit events and cache invalidation.
 */
describe('rbac: teams, members, roles', () => {
  let t: TestApp;
  let ownerA: TestUser;
  let ownerB: TestUser;
  let memberB: TestUser; // holds b.viewer in B
  let weakB: TestUser; // member of B with a role granting nothing
  let admin: TestUser;
  let teamA: string;
  let teamB: string;

  const version = async (key: string) => Number((await t.cache.get(key)) ?? 0);

  beforeAll(async () => {
    t = await startTestApp();
    [ownerA, ownerB, memberB, weakB, admin] = await Promise.all(
      ['owner-a', 'owner-b', 'member-b', 'weak-b', 'admin'].map((l) => mintUser(t, l)),
    );
    await makePlatformAdmin(t, admin.id);
    teamA = (await t.http.post('/v1/teams').set(ownerA.auth).send({ name: 'Team A' }).expect(201)).body.id;
    teamB = (await t.http.post('/v1/teams').set(ownerB.auth).send({ name: 'Team B' }).expect(201)).body.id;
    const membership = t.api.app.get(MembershipService, { strict: false });
    await t.http
      .post(`/v1/teams/${teamB}/roles`)
      .set(ownerB.auth)
      .send({ code: 'b.viewer', name: 'Viewer', privileges: ['team:read', 'team.members:read'] })
      .expect(201);
    await t.http.post(`/v1/teams/${teamB}/roles`).set(ownerB.auth).send({ code: 'b.nothing', name: 'Nothing', privileges: [] }).expect(201);
    await membership.addMember(teamB, memberB.id, ['b.viewer'], ownerB.id);
    await membership.addMember(teamB, weakB.id, ['b.nothing'], ownerB.id);
  });

  afterAll(async () => {
    await t?.close();
  });

  describe('teams', () => {
    it('creates a team whose creator is team_owner, audited', async () => {
      const res = await t.http.post('/v1/teams').set(ownerA.auth).send({ name: '  Spaced  ' }).expect(201);
      expect(res.body).toEqual({ id: expect.any(String), name: 'Spaced' });
      const teams = await t.api.app.get(MembershipService, { strict: false }).listTeamsOfUser(ownerA.id);
      expect(teams.find((x) => x.id === res.body.id)).toEqual({ id: res.body.id, name: 'Spaced', roles: ['team_owner'] });
      expect(await auditActions(t, res.body.id)).toEqual(['team.created']);
    });

    it('createTeamWithOwner joins the caller transaction and rolls back with it', async () => {
      const teams = t.api.app.get(TeamsService, { strict: false });
      let createdId = '';
      await expect(
        t.db.transaction(async () => {
          createdId = (await teams.createTeamWithOwner(ownerA.id, 'Rolled back')).id;
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      const rows = await t.db.asPlatform(() => t.db.query(`SELECT 1 FROM aventian.tbl_teams WHERE id = $1`, [createdId]));
      expect(rows).toHaveLength(0);
    });

    it('lists the caller teams with cursor pagination; ?all=true only for platform admins', async () => {
      const u = await mintUser(t, 'lister');
      const ids: string[] = [];
      for (let i = 0; i < 3; i++)
        ids.push(
          (
            await t.http
              .post('/v1/teams')
              .set(u.auth)
              .send({ name: `L${i}` })
              .expect(201)
          ).body.id,
        );
      const p1 = await t.http.get('/v1/teams?limit=2').set(u.auth).expect(200);
      expect(p1.body.items.map((x: { id: string }) => x.id)).toEqual(ids.slice(0, 2));
      expect(p1.body.nextCursor).toEqual(expect.any(String));
      const p2 = await t.http.get(`/v1/teams?limit=2&cursor=${p1.body.nextCursor}`).set(u.auth).expect(200);
      expect(p2.body).toEqual({ items: [expect.objectContaining({ id: ids[2], name: 'L2' })], nextCursor: null });
      await t.http.get('/v1/teams?all=true').set(u.auth).expect(403);
      const all = await t.http.get('/v1/teams?all=true&limit=200').set(admin.auth).expect(200);
      const allIds = all.body.items.map((x: { id: string }) => x.id);
      expect(allIds).toEqual(expect.arrayContaining([teamA, teamB, ...ids]));
      await t.http.get('/v1/teams?cursor=garbage!').set(u.auth).expect(400);
      const forged = Buffer.from(JSON.stringify({ id: "x' OR 1=1" })).toString('base64url');
      await t.http.get(`/v1/teams?cursor=${forged}`).set(u.auth).expect(400);
      const forgedMember = Buffer.from(JSON.stringify({ u: 'not-a-uuid' })).toString('base64url');
      await t.http.get(`/v1/teams/${teamB}/members?cursor=${forgedMember}`).set(ownerB.auth).expect(400);
    });

    it('gets and renames a team (audited, invalidates the team)', async () => {
      await t.http
        .get(`/v1/teams/${teamB}`)
        .set(memberB.auth)
        .expect(200)
        .expect((r) => expect(r.body).toMatchObject({ id: teamB, name: 'Team B' }));
      const before = await version(CacheKeys.teamVersion(teamB));
      await t.http
        .patch(`/v1/teams/${teamB}`)
        .set(ownerB.auth)
        .send({ name: 'Team B2' })
        .expect(200)
        .expect((r) => expect(r.body.name).toBe('Team B2'));
      expect(await version(CacheKeys.teamVersion(teamB))).toBe(before + 1);
      expect(await auditActions(t, teamB)).toContain('team.renamed');
      await t.http.patch(`/v1/teams/${teamB}`).set(ownerB.auth).send({ name: '' }).expect(400);
    });

    it('soft-deletes a team: subscriptions canceled, members lose access at once', async () => {
      const u = await mintUser(t, 'deleter');
      const other = await mintUser(t, 'deleter-member');
      const id = (await t.http.post('/v1/teams').set(u.auth).send({ name: 'Doomed' }).expect(201)).body.id;
      await t.api.app.get(MembershipService, { strict: false }).addMember(id, other.id, []);
      const productId = newId();
      await t.db.asPlatform(async () => {
        await t.db.query(`INSERT INTO aventian.tbl_master_products (id, code, name) VALUES ($1, $2, 'P')`, [
          productId,
          `p-${productId.slice(-8)}`,
        ]);
        await t.db.query(
          `INSERT INTO aventian.tbl_team_product_assoc (team_id, product_id, plan, status) VALUES ($1, $2, 'pro', 'active')`,
          [id, productId],
        );
      });
      const before = await version(CacheKeys.teamVersion(id));
      await t.http.delete(`/v1/teams/${id}`).set(u.auth).expect(204);
      expect(await version(CacheKeys.teamVersion(id))).toBe(before + 1);
      const subs = await t.db.asPlatform(() =>
        t.db.query<{ status: string }>(`SELECT status FROM aventian.tbl_team_product_assoc WHERE team_id = $1`, [id]),
      );
      expect(subs.map((s) => s.status)).toEqual(['canceled']);
      await t.http.get(`/v1/teams/${id}`).set(u.auth).expect(404);
      await t.http.get(`/v1/teams/${id}/members`).set(other.auth).expect(404);
      const mine = await t.http.get('/v1/teams').set(u.auth).expect(200);
      expect(mine.body.items.map((x: { id: string }) => x.id)).not.toContain(id);
      expect(await t.api.app.get(MembershipService, { strict: false }).isMember(id, u.id)).toBe(false);
      expect(await auditActions(t, id)).toContain('team.deleted');
      await t.http.delete(`/v1/teams/${id}`).set(admin.auth).expect(404);
    });
  });

  describe('members', () => {
    it('lists members with roles, paginated', async () => {
      const p1 = await t.http.get(`/v1/teams/${teamB}/members?limit=2`).set(memberB.auth).expect(200);
      const p2 = await t.http.get(`/v1/teams/${teamB}/members?limit=2&cursor=${p1.body.nextCursor}`).set(memberB.auth).expect(200);
      expect(p2.body.nextCursor).toBeNull();
      const all = [...p1.body.items, ...p2.body.items];
      expect(all).toHaveLength(3);
      expect(all).toEqual(
        expect.arrayContaining([
          { userId: ownerB.id, email: ownerB.email, displayName: 'owner-b', roles: ['team_owner'] },
          { userId: memberB.id, email: memberB.email, displayName: 'member-b', roles: ['b.viewer'] },
          { userId: weakB.id, email: weakB.email, displayName: 'weak-b', roles: ['b.nothing'] },
        ]),
      );
    });

    it('addMember is idempotent and refuses unknown roles with 422 UNKNOWN_ROLE', async () => {
      const membership = t.api.app.get(MembershipService, { strict: false });
      const u = await mintUser(t, 'joiner');
      await expect(membership.addMember(teamB, u.id, ['nope'])).rejects.toMatchObject({ status: 422, code: 'UNKNOWN_ROLE' });
      expect(await membership.isMember(teamB, u.id)).toBe(false);
      // A role of another team is unknown here.
      await t.http.post(`/v1/teams/${teamA}/roles`).set(ownerA.auth).send({ code: 'a.only', name: 'A only', privileges: [] }).expect(201);
      await expect(membership.addMember(teamB, u.id, ['a.only'])).rejects.toMatchObject({ status: 422, code: 'UNKNOWN_ROLE' });
      const before = await version(CacheKeys.userVersion(u.id));
      await membership.addMember(teamB, u.id, ['b.viewer']);
      await membership.addMember(teamB, u.id, ['b.viewer']);
      expect(await version(CacheKeys.userVersion(u.id))).toBe(before + 1);
      expect(await membership.isMember(teamB, u.id)).toBe(true);
      expect((await membership.listTeamsOfUser(u.id)).find((x) => x.id === teamB)?.roles).toEqual(['b.viewer']);
    });

    it('removes a member (roles gone, audited, user invalidated)', async () => {
      const membership = t.api.app.get(MembershipService, { strict: false });
      const u = await mintUser(t, 'leaver');
      await membership.addMember(teamB, u.id, ['b.viewer']);
      const before = await version(CacheKeys.userVersion(u.id));
      await t.http.delete(`/v1/teams/${teamB}/members/${u.id}`).set(ownerB.auth).expect(204);
      expect(await version(CacheKeys.userVersion(u.id))).toBe(before + 1);
      expect(await membership.isMember(teamB, u.id)).toBe(false);
      const left = await t.db.asPlatform(() => t.db.query(`SELECT 1 FROM aventian.tbl_member_roles WHERE user_id = $1`, [u.id]));
      expect(left).toHaveLength(0);
      expect(await auditActions(t, teamB)).toContain('member.removed');
      await t.http.delete(`/v1/teams/${teamB}/members/${u.id}`).set(ownerB.auth).expect(404);
      await t.http.delete(`/v1/teams/${teamB}/members/not-a-uuid`).set(ownerB.auth).expect(404);
    });
  });

  describe('roles', () => {
    it('lists roles; system roles only with includeSystem', async () => {
      const res = await t.http.get(`/v1/teams/${teamB}/roles`).set(ownerB.auth).expect(200);
      expect(res.body.items.map((r: { code: string }) => r.code)).toEqual(['b.nothing', 'b.viewer']);
      expect(res.body.items[1]).toEqual({
        code: 'b.viewer',
        name: 'Viewer',
        system: false,
        privileges: ['team.members:read', 'team:read'],
      });
      const sys = await t.http.get(`/v1/teams/${teamB}/roles?includeSystem=true`).set(ownerB.auth).expect(200);
      const owner = sys.body.items.find((r: { code: string }) => r.code === 'team_owner');
      expect(owner).toMatchObject({ system: true, privileges: expect.arrayContaining(['team:delete', 'team.roles:write']) });
      expect(sys.body.items.map((r: { code: string }) => r.code)).not.toContain('platform_admin');
    });

    it('creates custom roles: 409 duplicate / reserved code, 422 unknown privilege, 400 bad shape', async () => {
      await t.http.post(`/v1/teams/${teamB}/roles`).set(ownerB.auth).send({ code: 'b.viewer', name: 'Dup', privileges: [] }).expect(409);
      await t.http.post(`/v1/teams/${teamB}/roles`).set(ownerB.auth).send({ code: 'team_owner', name: 'X', privileges: [] }).expect(409);
      const unknown = await t.http
        .post(`/v1/teams/${teamB}/roles`)
        .set(ownerB.auth)
        .send({ code: 'b.x', name: 'X', privileges: ['nope:read'] })
        .expect(422);
      expect(unknown.body.error).toBe('UNKNOWN_PRIVILEGE');
      await t.http.post(`/v1/teams/${teamB}/roles`).set(ownerB.auth).send({ code: 'Bad Code', name: 'X', privileges: [] }).expect(400);
      // Same code in another team is fine.
      await t.http
        .post(`/v1/teams/${teamA}/roles`)
        .set(ownerA.auth)
        .send({ code: 'b.viewer', name: 'A viewer', privileges: ['team:read'] })
        .expect(201);
      expect(await auditActions(t, teamB)).toContain('role.created');
    });

    it('replaces a custom role privileges (one roleChanged), refuses system and template roles', async () => {
      await t.http
        .post(`/v1/teams/${teamB}/roles`)
        .set(ownerB.auth)
        .send({ code: 'b.editable', name: 'E', privileges: ['team:read'] })
        .expect(201);
      const roleId = (await t.db.asPlatform(() =>
        t.db.queryOne<{ id: string }>(`SELECT id FROM aventian.tbl_roles WHERE team_id = $1 AND code = 'b.editable'`, [teamB]),
      ))!.id;
      const before = await version(CacheKeys.roleVersion(roleId));
      const res = await t.http
        .put(`/v1/teams/${teamB}/roles/b.editable/privileges`)
        .set(ownerB.auth)
        .send({ privileges: ['team.roles:read', 'team.members:read'] })
        .expect(200);
      expect(res.body).toEqual({ code: 'b.editable', name: 'E', system: false, privileges: ['team.members:read', 'team.roles:read'] });
      expect(await version(CacheKeys.roleVersion(roleId))).toBe(before + 1);
      expect(await auditActions(t, teamB)).toContain('role.privileges_changed');
      await t.http.put(`/v1/teams/${teamB}/roles/team_owner/privileges`).set(ownerB.auth).send({ privileges: [] }).expect(422);
      await t.http.put(`/v1/teams/${teamB}/roles/missing/privileges`).set(ownerB.auth).send({ privileges: [] }).expect(404);
      // A role instantiated from a product template is read-only here.
      const productId = newId();
      await t.db.asPlatform(async () => {
        await t.db.query(`INSERT INTO aventian.tbl_master_products (id, code, name) VALUES ($1, $2, 'P')`, [
          productId,
          `t-${productId.slice(-8)}`,
        ]);
        const tpl = await t.db.queryOne<{ id: string }>(
          `INSERT INTO aventian.tbl_role_templates (product_id, code, name) VALUES ($1, 'tpl.admin', 'T') RETURNING id`,
          [productId],
        );
        await t.db.query(
          `INSERT INTO aventian.tbl_roles (team_id, product_id, template_id, code, name) VALUES ($1, $2, $3, 'tpl.admin', 'T')`,
          [teamB, productId, tpl!.id],
        );
      });
      const tpl = await t.http.put(`/v1/teams/${teamB}/roles/tpl.admin/privileges`).set(ownerB.auth).send({ privileges: [] }).expect(422);
      expect(tpl.body.error).toBe('ROLE_NOT_EDITABLE');
    });

    it('grants, replaces and revokes roles (audited, user invalidated)', async () => {
      const membership = t.api.app.get(MembershipService, { strict: false });
      const u = await mintUser(t, 'grantee');
      await membership.addMember(teamB, u.id, []);
      let v = await version(CacheKeys.userVersion(u.id));
      const g = await t.http.post(`/v1/teams/${teamB}/members/${u.id}/roles/b.viewer`).set(ownerB.auth).expect(201);
      expect(g.body).toEqual({ userId: u.id, roles: ['b.viewer'] });
      expect(await version(CacheKeys.userVersion(u.id))).toBe(++v);
      // The grant takes effect on the very next request.
      await t.http.get(`/v1/teams/${teamB}`).set(u.auth).expect(200);
      const r = await t.http
        .put(`/v1/teams/${teamB}/members/${u.id}/roles`)
        .set(ownerB.auth)
        .send({ roles: ['b.nothing', 'b.editable'] })
        .expect(200);
      expect(r.body).toEqual({ userId: u.id, roles: ['b.editable', 'b.nothing'] });
      expect(await version(CacheKeys.userVersion(u.id))).toBe(++v);
      await t.http.get(`/v1/teams/${teamB}`).set(u.auth).expect(403);
      await t.http
        .put(`/v1/teams/${teamB}/members/${u.id}/roles`)
        .set(ownerB.auth)
        .send({ roles: ['ghost'] })
        .expect(422);
      await t.http.delete(`/v1/teams/${teamB}/members/${u.id}/roles/b.nothing`).set(ownerB.auth).expect(204);
      expect(await version(CacheKeys.userVersion(u.id))).toBe(v + 1);
      await t.http.delete(`/v1/teams/${teamB}/members/${u.id}/roles/b.nothing`).set(ownerB.auth).expect(404);
      await t.http.post(`/v1/teams/${teamB}/members/${u.id}/roles/ghost`).set(ownerB.auth).expect(404);
      const actions = await auditActions(t, teamB);
      expect(actions).toEqual(expect.arrayContaining(['role.granted', 'role.revoked']));
    });
  });

  describe('last owner and privilege escalation', () => {
    it('never leaves a team without an owner', async () => {
      const o = await mintUser(t, 'solo-owner');
      const team = (await t.http.post('/v1/teams').set(o.auth).send({ name: 'Solo' }).expect(201)).body.id;
      const e1 = await t.http.delete(`/v1/teams/${team}/members/${o.id}`).set(o.auth).expect(422);
      expect(e1.body.error).toBe('LAST_OWNER');
      expect((await t.http.delete(`/v1/teams/${team}/members/${o.id}/roles/team_owner`).set(o.auth).expect(422)).body.error).toBe(
        'LAST_OWNER',
      );
      expect((await t.http.put(`/v1/teams/${team}/members/${o.id}/roles`).set(o.auth).send({ roles: [] }).expect(422)).body.error).toBe(
        'LAST_OWNER',
      );
      // Platform admins are bound by the rule too.
      await t.http.delete(`/v1/teams/${team}/members/${o.id}`).set(admin.auth).expect(422);
      // With a second owner, the first may step down.
      const o2 = await mintUser(t, 'co-owner');
      await t.api.app.get(MembershipService, { strict: false }).addMember(team, o2.id, []);
      await t.http.post(`/v1/teams/${team}/members/${o2.id}/roles/team_owner`).set(o.auth).expect(201);
      await t.http.delete(`/v1/teams/${team}/members/${o.id}/roles/team_owner`).set(o.auth).expect(204);
      await t.http.delete(`/v1/teams/${team}/members/${o2.id}`).set(o2.auth).expect(422);
    });

    it('concurrent owner removals keep one owner', async () => {
      // Two owners take team_owner from each other at once. Whichever runs second is no longer an
      // owner when it does: its access is re-read under the team lock, so it is refused (403) the
      // same way whether the guard or the locked re-check sees the first change.
      for (let round = 0; round < 4; round++) {
        const o1 = await mintUser(t, 'race-1');
        const team = (await t.http.post('/v1/teams').set(o1.auth).send({ name: 'Race' }).expect(201)).body.id;
        const o2 = await mintUser(t, 'race-2');
        await t.api.app.get(MembershipService, { strict: false }).addMember(team, o2.id, ['team_owner']);
        const results = await Promise.all([
          t.http.delete(`/v1/teams/${team}/members/${o1.id}/roles/team_owner`).set(o2.auth),
          t.http.delete(`/v1/teams/${team}/members/${o2.id}/roles/team_owner`).set(o1.auth),
        ]);
        expect(results.map((r) => r.status).sort()).toEqual([204, 403]);
        const owners = await t.db.asPlatform(() =>
          t.db.query(
            `SELECT 1 FROM aventian.tbl_member_roles mr JOIN aventian.tbl_roles r ON r.id = mr.role_id AND r.code = 'team_owner' WHERE mr.team_id = $1`,
            [team],
          ),
        );
        expect(owners).toHaveLength(1);
      }
    });

    it('a role manager cannot grant powers they do not hold', async () => {
      const o = await mintUser(t, 'esc-owner');
      const team = (await t.http.post('/v1/teams').set(o.auth).send({ name: 'Esc' }).expect(201)).body.id;
      await t.http
        .post(`/v1/teams/${team}/roles`)
        .set(o.auth)
        .send({ code: 'rm', name: 'RM', privileges: ['team.roles:write', 'team.roles:read', 'team:read'] })
        .expect(201);
      await t.http
        .post(`/v1/teams/${team}/roles`)
        .set(o.auth)
        .send({ code: 'deleter', name: 'D', privileges: ['team:delete'] })
        .expect(201);
      await t.http
        .post(`/v1/teams/${team}/roles`)
        .set(o.auth)
        .send({ code: 'reader', name: 'R', privileges: ['team:read'] })
        .expect(201);
      const m = await mintUser(t, 'esc-manager');
      const victim = await mintUser(t, 'esc-victim');
      const membership = t.api.app.get(MembershipService, { strict: false });
      await membership.addMember(team, m.id, ['rm']);
      await membership.addMember(team, victim.id, []);
      const before = await snapshotTeam(t, team);
      await t.http.post(`/v1/teams/${team}/members/${m.id}/roles/team_owner`).set(m.auth).expect(403);
      await t.http.post(`/v1/teams/${team}/members/${m.id}/roles/deleter`).set(m.auth).expect(403);
      await t.http
        .put(`/v1/teams/${team}/members/${m.id}/roles`)
        .set(m.auth)
        .send({ roles: ['rm', 'deleter'] })
        .expect(403);
      await t.http
        .post(`/v1/teams/${team}/roles`)
        .set(m.auth)
        .send({ code: 'sneaky', name: 'S', privileges: ['team:delete'] })
        .expect(403);
      await t.http
        .put(`/v1/teams/${team}/roles/rm/privileges`)
        .set(m.auth)
        .send({ privileges: ['team.roles:write', 'team.roles:read', 'team:read', 'team:delete'] })
        .expect(403);
      await t.http.delete(`/v1/teams/${team}/members/${o.id}/roles/team_owner`).set(m.auth).expect(403);
      expect(await snapshotTeam(t, team)).toEqual(before);
      // Within their own privileges they may act.
      await t.http.post(`/v1/teams/${team}/members/${victim.id}/roles/reader`).set(m.auth).expect(201);
      // The same rule for flows that grant later (invitations).
      const assignments = t.api.app.get(RoleAssignmentsService, { strict: false });
      // The Actor as the AuthGuard resolves it for a route naming `team` (one read).
      const reader = t.api.app.get(UserAccessReader, { strict: false });
      const as = async (userId: string): Promise<UserActor> => ({ kind: 'user', userId, ...(await reader.read(userId, team)) });
      await expect(assignments.assertMayGrant(await as(m.id), team, ['team_owner'])).rejects.toMatchObject({ status: 403 });
      await expect(assignments.assertMayGrant(await as(m.id), team, ['reader', 'deleter'])).rejects.toMatchObject({ status: 403 });
      await expect(assignments.assertMayGrant(await as(m.id), team, ['ghost'])).rejects.toMatchObject({
        status: 422,
        code: 'UNKNOWN_ROLE',
      });
      await expect(assignments.assertMayGrant(await as(m.id), team, ['reader'])).resolves.toBeUndefined();
      await expect(assignments.assertMayGrant(await as(o.id), team, ['team_owner', 'deleter'])).resolves.toBeUndefined();
      // A non-member has no powers in the team (over HTTP the guard answers 404 before any service runs).
      expect((await as(ownerA.id)).team).toBeUndefined();
      await expect(assignments.assertMayGrant(await as(ownerA.id), team, ['reader'])).rejects.toMatchObject({ status: 403 });
    });
  });

  it('documents every route in OpenAPI', async () => {
    const doc = (await t.http.get('/docs-json').expect(200)).body as { paths: Record<string, Record<string, unknown>> };
    const expected: Array<[string, string]> = [
      ['/v1/teams', 'post'],
      ['/v1/teams', 'get'],
      ['/v1/teams/{teamId}', 'get'],
      ['/v1/teams/{teamId}', 'patch'],
      ['/v1/teams/{teamId}', 'delete'],
      ['/v1/teams/{teamId}/members', 'get'],
      ['/v1/teams/{teamId}/members/{userId}', 'delete'],
      ['/v1/teams/{teamId}/roles', 'get'],
      ['/v1/teams/{teamId}/roles', 'post'],
      ['/v1/teams/{teamId}/roles/{roleCode}/privileges', 'put'],
      ['/v1/teams/{teamId}/members/{userId}/roles', 'put'],
      ['/v1/teams/{teamId}/members/{userId}/roles/{roleCode}', 'post'],
      ['/v1/teams/{teamId}/members/{userId}/roles/{roleCode}', 'delete'],
    ];
    for (const [path, method] of expected) expect([path, method, Boolean(doc.paths[path]?.[method])]).toEqual([path, method, true]);
  });

  describe('BOLA matrix', () => {
    type Call = {
      name: string;
      method: 'get' | 'post' | 'put' | 'patch' | 'delete';
      path: (team: string, user: string) => string;
      body?: object;
    };
    const routes: Call[] = [
      { name: 'get team', method: 'get', path: (tm) => `/v1/teams/${tm}` },
      { name: 'rename team', method: 'patch', path: (tm) => `/v1/teams/${tm}`, body: { name: 'Pwned' } },
      { name: 'delete team', method: 'delete', path: (tm) => `/v1/teams/${tm}` },
      { name: 'list members', method: 'get', path: (tm) => `/v1/teams/${tm}/members` },
      { name: 'remove member', method: 'delete', path: (tm, u) => `/v1/teams/${tm}/members/${u}` },
      { name: 'list roles', method: 'get', path: (tm) => `/v1/teams/${tm}/roles` },
      { name: 'create role', method: 'post', path: (tm) => `/v1/teams/${tm}/roles`, body: { code: 'evil', name: 'Evil', privileges: [] } },
      {
        name: 'set role privileges',
        method: 'put',
        path: (tm) => `/v1/teams/${tm}/roles/b.viewer/privileges`,
        body: { privileges: ['team:delete'] },
      },
      { name: 'replace member roles', method: 'put', path: (tm, u) => `/v1/teams/${tm}/members/${u}/roles`, body: { roles: [] } },
      { name: 'grant role', method: 'post', path: (tm, u) => `/v1/teams/${tm}/members/${u}/roles/b.nothing` },
      { name: 'revoke role', method: 'delete', path: (tm, u) => `/v1/teams/${tm}/members/${u}/roles/b.viewer` },
    ];

    it.each(routes.map((r) => [r.name, r] as const))('%s: member of another team gets 404 and changes nothing', async (_n, route) => {
      const before = await snapshotTeam(t, teamB);
      const res = await t.http[route.method](route.path(teamB, memberB.id))
        .set(ownerA.auth)
        .send(route.body ?? {});
      expect(res.status).toBe(404);
      expect(res.body.error).toBe('NOT_FOUND');
      expect(await snapshotTeam(t, teamB)).toEqual(before);
    });

    it.each(routes.filter((r) => r.path('T', 'U').includes('/members/U')).map((r) => [r.name, r] as const))(
      '%s: a user of another team addressed through the caller own team is 404',
      async (_n, route) => {
        const before = await snapshotTeam(t, teamB);
        const res = await t.http[route.method](route.path(teamA, memberB.id).replace('b.nothing', 'a.only').replace('b.viewer', 'a.only'))
          .set(ownerA.auth)
          .send(route.body ?? {});
        expect(res.status).toBe(404);
        expect(await snapshotTeam(t, teamB)).toEqual(before);
      },
    );

    it.each(routes.map((r) => [r.name, r] as const))('%s: member without the privilege gets 403 and changes nothing', async (_n, route) => {
      const before = await snapshotTeam(t, teamB);
      const res = await t.http[route.method](route.path(teamB, memberB.id))
        .set(weakB.auth)
        .send(route.body ?? {});
      expect(res.status).toBe(403);
      expect(await snapshotTeam(t, teamB)).toEqual(before);
    });

    it('platform admins pass the guard, but a missing team is still 404', async () => {
      await t.http.get(`/v1/teams/${teamB}/members`).set(admin.auth).expect(200);
      await t.http.get(`/v1/teams/${teamB}/roles`).set(admin.auth).expect(200);
      const ghost = newId();
      for (const route of routes) {
        const res = await t.http[route.method](route.path(ghost, memberB.id))
          .set(admin.auth)
          .send(route.body ?? {});
        expect([route.name, res.status]).toEqual([route.name, 404]);
      }
    });

    it('unauthenticated calls get 401', async () => {
      for (const route of routes) {
        const res = await t.http[route.method](route.path(teamB, memberB.id)).send(route.body ?? {});
        expect(res.status).toBe(401);
      }
    });

    it('mass assignment is refused with 400 and changes nothing', async () => {
      const before = await snapshotTeam(t, teamB);
      const attempts: Array<[Call['method'], string, object]> = [
        ['post', '/v1/teams', { name: 'X', id: newId() }],
        ['post', '/v1/teams', { name: 'X', teamId: teamB }],
        ['patch', `/v1/teams/${teamB}`, { name: 'X', id: newId() }],
        ['patch', `/v1/teams/${teamB}`, { name: 'X', status: 'deleted' }],
        ['post', `/v1/teams/${teamB}/roles`, { code: 'sys', name: 'S', privileges: [], system: true }],
        ['post', `/v1/teams/${teamB}/roles`, { code: 'sys', name: 'S', privileges: [], teamId: teamA }],
        ['post', `/v1/teams/${teamB}/roles`, { code: 'sys', name: 'S', privileges: [], id: newId() }],
        ['put', `/v1/teams/${teamB}/roles/b.viewer/privileges`, { privileges: [], system: true }],
        ['put', `/v1/teams/${teamB}/members/${memberB.id}/roles`, { roles: [], teamId: teamA }],
        ['put', `/v1/teams/${teamB}/members/${memberB.id}/roles`, { roles: [], userId: ownerB.id }],
      ];
      for (const [method, path, body] of attempts) {
        const res = await t.http[method](path).set(ownerB.auth).send(body);
        expect([path, res.status]).toEqual([path, 400]);
        expect(res.body.error).toBe('VALIDATION_FAILED');
      }
      expect(await snapshotTeam(t, teamB)).toEqual(before);
    });
  });
});
