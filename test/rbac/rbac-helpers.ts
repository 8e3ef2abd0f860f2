import { MembershipService } from '@avn/rbac';
import { makePlatformAdmin, mintUser } from '@avn/testing';
import type { TestApp, TestUser } from '@avn/testing';

export { makePlatformAdmin, mintUser } from '@avn/testing';
export type { TestUser } from '@avn/testing';

export interface TwoTeams {
  ownerA: TestUser;
  ownerB: TestUser;
  /** Holds b.viewer (team:read, team.members:read) in B. */
  memberB: TestUser;
  /** Member of B with b.nothing (no privileges). */
  weakB: TestUser;
  admin: TestUser;
  teamA: string;
  teamB: string;
}

/** Two teams with their owners, two members of B, a platform admin, and the custom roles the suites use. */
export async function seedTwoTeams(t: TestApp): Promise<TwoTeams> {
  const [ownerA, ownerB, memberB, weakB, admin] = await Promise.all(
    ['owner-a', 'owner-b', 'member-b', 'weak-b', 'admin'].map((l) => mintUser(t, l)),
  );
  await makePlatformAdmin(t, admin.id);
  const teamA = (await t.http.post('/v1/teams').set(ownerA.auth).send({ name: 'Team A' }).expect(201)).body.id as string;
  const teamB = (await t.http.post('/v1/teams').set(ownerB.auth).send({ name: 'Team B' }).expect(201)).body.id as string;
  await t.http
    .post(`/v1/teams/${teamB}/roles`)
    .set(ownerB.auth)
    .send({ code: 'b.viewer', name: 'Viewer', privileges: ['team:read', 'team.members:read'] })
    .expect(201);
  await t.http.post(`/v1/teams/${teamB}/roles`).set(ownerB.auth).send({ code: 'b.nothing', name: 'Nothing', privileges: [] }).expect(201);
  const membership = t.api.app.get(MembershipService, { strict: false });
  await membership.addMember(teamB, memberB.id, ['b.viewer'], ownerB.id);
  await membership.addMember(teamB, weakB.id, ['b.nothing'], ownerB.id);
  return { ownerA, ownerB, memberB, weakB, admin, teamA, teamB };
}

/** Everything RBAC-related stored for one team, to prove a refused call changed nothing. */
export async function snapshotTeam(t: TestApp, teamId: string): Promise<unknown> {
  return t.db.asPlatform(async () => ({
    team: await t.db.query(`SELECT id, name, status, updated_at FROM aventian.tbl_teams WHERE id = $1`, [teamId]),
    members: await t.db.query(`SELECT user_id FROM aventian.tbl_team_members WHERE team_id = $1 ORDER BY user_id`, [teamId]),
    memberRoles: await t.db.query(`SELECT user_id, role_id FROM aventian.tbl_member_roles WHERE team_id = $1 ORDER BY user_id, role_id`, [
      teamId,
    ]),
    roles: await t.db.query(`SELECT id, code, name, updated_at FROM aventian.tbl_roles WHERE team_id = $1 ORDER BY code`, [teamId]),
    rolePrivileges: await t.db.query(
      `SELECT role_id, privilege_id FROM aventian.tbl_role_privileges WHERE team_id = $1 ORDER BY role_id, privilege_id`,
      [teamId],
    ),
    subscriptions: await t.db.query(`SELECT id, status FROM aventian.tbl_team_product_assoc WHERE team_id = $1 ORDER BY id`, [teamId]),
    auditCount: (
      await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM aventian_audit.audit_events WHERE team_id = $1`, [teamId])
    )[0].n,
  }));
}

export async function auditActions(t: TestApp, teamId: string): Promise<string[]> {
  const rows = await t.db.asPlatform(() =>
    t.db.query<{ action: string }>(`SELECT action FROM aventian_audit.audit_events WHERE team_id = $1 ORDER BY seq`, [teamId]),
  );
  return rows.map((r) => r.action);
}
