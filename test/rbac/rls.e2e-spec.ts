import { newId } from '@avn/database';
import { MembershipService, TeamsService } from '@avn/rbac';
import { startTestApp, TestApp } from '@avn/testing';

/**
 * Row-level security on real PostgreSQL, through the runtime (non-owner) app role: with the wrong
 * `app.team_id` a query sees and changes nothing of another team even without a team filter.
 */
describe('rbac: row-level security', () => {
  let t: TestApp;
  let ownerA: string;
  let ownerB: string;
  let teamA: string;
  let teamB: string;
  let roleA: string;
  let roleB: string;
  let privilegeId: string;

  const user = async (label: string) => {
    const id = newId();
    await t.db.asPlatform(() =>
      t.db.query(`INSERT INTO aventian.tbl_users (id, email, email_normalized, display_name) VALUES ($1, $2, $2, $3)`, [
        id,
        `${label}-${id}@rls.test`,
        label,
      ]),
    );
    return id;
  };
  const inTeam = <T>(teamId: string, fn: () => Promise<T>) => t.db.transaction(fn, { teamId });

  beforeAll(async () => {
    t = await startTestApp();
    expect(t.database).toBeDefined(); // real PostgreSQL, not the embedded engine
    const teams = t.api.app.get(TeamsService, { strict: false });
    ownerA = await user('a');
    ownerB = await user('b');
    teamA = (await teams.createTeamWithOwner(ownerA, 'A')).id;
    teamB = (await teams.createTeamWithOwner(ownerB, 'B')).id;
    roleA = newId();
    roleB = newId();
    await t.db.asPlatform(async () => {
      privilegeId = (await t.db.queryOne<{ id: string }>(`SELECT id FROM aventian.tbl_privileges WHERE code = 'team:read'`))!.id;
      for (const [role, team] of [
        [roleA, teamA],
        [roleB, teamB],
      ]) {
        await t.db.query(`INSERT INTO aventian.tbl_roles (id, team_id, code, name) VALUES ($1, $2, 'viewer', 'V')`, [role, team]);
        await t.db.query(`INSERT INTO aventian.tbl_role_privileges (role_id, privilege_id, team_id) VALUES ($1, $2, $3)`, [
          role,
          privilegeId,
          team,
        ]);
      }
      const productId = newId();
      await t.db.query(`INSERT INTO aventian.tbl_master_products (id, code, name) VALUES ($1, 'rls-prod', 'P')`, [productId]);
      await t.db.query(`INSERT INTO aventian.tbl_team_product_assoc (team_id, product_id, plan, status) VALUES ($1, $2, 'pro', 'active')`, [
        teamB,
        productId,
      ]);
    });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('is running as a role subject to RLS', async () => {
    const row = await t.db.queryOne<{ rolsuper: boolean; rolbypassrls: boolean }>(
      `SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user`,
    );
    expect(row).toEqual({ rolsuper: false, rolbypassrls: false });
  });

  it('the wrong app.team_id reads nothing of another team, with no application filter', async () => {
    const seen = await inTeam(teamA, async () => ({
      teams: await t.db.query<{ id: string }>(`SELECT id FROM aventian.tbl_teams`),
      members: await t.db.query<{ team_id: string }>(`SELECT team_id FROM aventian.tbl_team_members`),
      memberRoles: await t.db.query<{ team_id: string }>(`SELECT team_id FROM aventian.tbl_member_roles`),
      teamRoles: await t.db.query<{ team_id: string }>(`SELECT team_id FROM aventian.tbl_roles WHERE team_id IS NOT NULL`),
      rolePrivileges: await t.db.query<{ team_id: string }>(`SELECT team_id FROM aventian.tbl_role_privileges WHERE team_id IS NOT NULL`),
      subscriptions: await t.db.query(`SELECT 1 FROM aventian.tbl_team_product_assoc`),
      explicitB: await t.db.query(`SELECT 1 FROM aventian.tbl_team_members WHERE team_id = $1`, [teamB]),
    }));
    expect(seen.teams.map((r) => r.id)).toEqual([teamA]);
    expect(new Set(seen.members.map((r) => r.team_id))).toEqual(new Set([teamA]));
    expect(new Set(seen.memberRoles.map((r) => r.team_id))).toEqual(new Set([teamA]));
    expect(new Set(seen.teamRoles.map((r) => r.team_id))).toEqual(new Set([teamA]));
    expect(new Set(seen.rolePrivileges.map((r) => r.team_id))).toEqual(new Set([teamA]));
    expect(seen.subscriptions).toHaveLength(0);
    expect(seen.explicitB).toHaveLength(0);
    // The same statements in B's scope do see B: the emptiness above is the policy, not missing data.
    const inB = await inTeam(teamB, () => t.db.query(`SELECT 1 FROM aventian.tbl_team_product_assoc`));
    expect(inB).toHaveLength(1);
  });

  it('without any scope team-scoped tables are empty', async () => {
    const counts: Record<string, number> = {};
    for (const [table, filter] of [
      ['tbl_teams', ''],
      ['tbl_team_members', ''],
      ['tbl_member_roles', ''],
      ['tbl_team_product_assoc', ''],
      // system roles (team_id NULL) are global by design; team rows must stay hidden
      ['tbl_roles', 'WHERE team_id IS NOT NULL'],
      ['tbl_role_privileges', 'WHERE team_id IS NOT NULL'],
    ]) {
      counts[table] = (await t.db.query(`SELECT 1 FROM aventian.${table} ${filter}`)).length;
    }
    expect(counts).toEqual({
      tbl_teams: 0,
      tbl_team_members: 0,
      tbl_member_roles: 0,
      tbl_team_product_assoc: 0,
      tbl_roles: 0,
      tbl_role_privileges: 0,
    });
  });

  it('the wrong app.team_id changes nothing of another team', async () => {
    const changed = await inTeam(teamA, async () => ({
      rename: (await t.db.execute(`UPDATE aventian.tbl_teams SET name = 'pwned' WHERE id = $1`, [teamB])).rowCount,
      removeMembers: (await t.db.execute(`DELETE FROM aventian.tbl_team_members WHERE team_id = $1`, [teamB])).rowCount,
      revoke: (await t.db.execute(`DELETE FROM aventian.tbl_member_roles WHERE team_id = $1`, [teamB])).rowCount,
      dropRole: (await t.db.execute(`DELETE FROM aventian.tbl_roles WHERE id = $1`, [roleB])).rowCount,
      cancel: (await t.db.execute(`UPDATE aventian.tbl_team_product_assoc SET status = 'canceled' WHERE team_id = $1`, [teamB])).rowCount,
      systemRole: (await t.db.execute(`UPDATE aventian.tbl_roles SET name = 'pwned' WHERE code = 'team_owner'`)).rowCount,
    }));
    expect(changed).toEqual({ rename: 0, removeMembers: 0, revoke: 0, dropRole: 0, cancel: 0, systemRole: 0 });
    // Inserting rows for team B from team A's scope is refused by WITH CHECK.
    await expect(
      inTeam(teamA, () => t.db.query(`INSERT INTO aventian.tbl_team_members (team_id, user_id) VALUES ($1, $2)`, [teamB, ownerA])),
    ).rejects.toThrow(/row-level security/);
    // A privilege row for B's role smuggled under A's team id is re-keyed to B by the trigger, then refused.
    await expect(
      inTeam(teamA, () =>
        t.db.query(
          `INSERT INTO aventian.tbl_role_privileges (role_id, privilege_id, team_id) VALUES ($1, (SELECT id FROM aventian.tbl_privileges WHERE code = 'team:delete'), $2)`,
          [roleB, teamA],
        ),
      ),
    ).rejects.toThrow(/row-level security/);
    // A team role's privilege row written with a NULL team (which 0002 would show to every scope) is re-keyed to the role's team.
    await inTeam(teamA, () =>
      t.db.query(
        `INSERT INTO aventian.tbl_role_privileges (role_id, privilege_id, team_id) VALUES ($1, (SELECT id FROM aventian.tbl_privileges WHERE code = 'team:write'), NULL)`,
        [roleA],
      ),
    );
    expect(await t.db.query(`SELECT 1 FROM aventian.tbl_role_privileges WHERE role_id = $1`, [roleA])).toHaveLength(0);
    expect(await inTeam(teamB, () => t.db.query(`SELECT 1 FROM aventian.tbl_role_privileges WHERE role_id = $1`, [roleA]))).toHaveLength(0);
    // A member of A cannot be given B's role.
    await expect(
      inTeam(teamA, () =>
        t.db.query(`INSERT INTO aventian.tbl_member_roles (team_id, user_id, role_id) VALUES ($1, $2, $3)`, [teamA, ownerA, roleB]),
      ),
    ).rejects.toThrow(/UNKNOWN_ROLE/);
    const b = await t.db.asPlatform(async () => ({
      name: (await t.db.queryOne<{ name: string }>(`SELECT name FROM aventian.tbl_teams WHERE id = $1`, [teamB]))!.name,
      members: (await t.db.query(`SELECT 1 FROM aventian.tbl_team_members WHERE team_id = $1`, [teamB])).length,
      roles: (await t.db.query(`SELECT 1 FROM aventian.tbl_member_roles WHERE team_id = $1`, [teamB])).length,
      sub: (await t.db.queryOne<{ status: string }>(`SELECT status FROM aventian.tbl_team_product_assoc WHERE team_id = $1`, [teamB]))!
        .status,
    }));
    expect(b).toEqual({ name: 'B', members: 1, roles: 1, sub: 'active' });
  });

  it('the user scope sees only the user own memberships and cannot delete them', async () => {
    const membership = t.api.app.get(MembershipService, { strict: false });
    await membership.addMember(teamB, ownerA, ['viewer']);
    const rows = await t.db.transaction(
      async () => ({
        members: await t.db.query<{ user_id: string }>(`SELECT user_id FROM aventian.tbl_team_members`),
        teamRoles: await t.db.query<{ team_id: string }>(
          `SELECT team_id FROM aventian.tbl_roles WHERE team_id IS NOT NULL ORDER BY team_id`,
        ),
        deleted: (await t.db.execute(`DELETE FROM aventian.tbl_team_members WHERE user_id = $1`, [ownerA])).rowCount,
      }),
      { userId: ownerA },
    );
    expect(new Set(rows.members.map((r) => r.user_id))).toEqual(new Set([ownerA]));
    expect(rows.members).toHaveLength(2);
    expect(new Set(rows.teamRoles.map((r) => r.team_id))).toEqual(new Set([teamA, teamB]));
    expect(rows.deleted).toBe(0);
    expect(await membership.isMember(teamB, ownerA)).toBe(true);
  });
});
