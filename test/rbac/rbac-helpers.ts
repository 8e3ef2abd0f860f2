import { newId } from '@avn/database';
import { SessionsService } from '@avn/identity';
import type { TestApp } from '@avn/testing';

export interface TestUser {
  id: string;
  email: string;
  token: string;
  auth: { Authorization: string };
}

/** A user minted directly in SQL with an access token from identity's SessionsService. */
export async function mintUser(t: TestApp, label: string): Promise<TestUser> {
  const id = newId();
  const email = `${label}-${id.slice(-12)}@rbac.test`;
  await t.db.asPlatform(() =>
    t.db.query(`INSERT INTO aventian.tbl_users (id, email, email_normalized, display_name) VALUES ($1, $2, $2, $3)`, [id, email, label]),
  );
  const sessions = t.api.app.get(SessionsService, { strict: false });
  const { accessToken } = await sessions.issueTokens(id);
  return { id, email, token: accessToken, auth: { Authorization: `Bearer ${accessToken}` } };
}

export async function makePlatformAdmin(t: TestApp, userId: string): Promise<void> {
  await t.db.asPlatform(() =>
    t.db.query(
      `INSERT INTO aventian.tbl_platform_role_assignments (user_id, role_id)
       SELECT $1, id FROM aventian.tbl_roles WHERE team_id IS NULL AND code = 'platform_admin'`,
      [userId],
    ),
  );
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
