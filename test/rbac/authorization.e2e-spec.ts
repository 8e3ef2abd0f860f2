import { UserAccessReader } from '@avn/common';
import type { UserActor } from '@avn/common';
import { newId } from '@avn/database';
import { MembershipService, RoleAssignmentsService } from '@avn/rbac';
import { startTestApp, TestApp } from '@avn/testing';
import { mintUser, seedTwoTeams, snapshotTeam, TestUser } from './rbac-helpers';

/**
 * The authorization matrix of the teams, members and roles routes on the real app: the last-owner
 * rule (also under concurrency), the privilege-escalation rules on the resolved Actor, and BOLA
 * (other team -> 404, no privilege -> 403, unauthenticated -> 401, mass assignment -> 400).
 */
describe('rbac: last owner, escalation, BOLA', () => {
  let t: TestApp;
  let ownerA: TestUser;
  let ownerB: TestUser;
  let memberB: TestUser; // holds b.viewer in B
  let weakB: TestUser; // member of B with a role granting nothing
  let admin: TestUser;
  let teamA: string;
  let teamB: string;

  beforeAll(async () => {
    t = await startTestApp();
    ({ ownerA, ownerB, memberB, weakB, admin, teamA, teamB } = await seedTwoTeams(t));
  });

  afterAll(async () => {
    await t?.close();
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
