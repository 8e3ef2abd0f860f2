import { CacheKeys } from '@avn/cache';
import { newId } from '@avn/database';
import { MembershipService, TeamsService } from '@avn/rbac';
import { startTestApp, TestApp } from '@avn/testing';
import { auditActions, mintUser, seedTwoTeams, TestUser } from './rbac-helpers';

/**
 * Teams, members and roles routes on the real app (PostgreSQL + Redis): behaviour, audit events
 * and cache invalidation. The authorization matrix (last owner, escalation, BOLA) is in
 * authorization.e2e-spec.ts.
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
    ({ ownerA, ownerB, memberB, weakB, admin, teamA, teamB } = await seedTwoTeams(t));
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
});
