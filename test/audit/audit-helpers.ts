import { Client } from 'pg';
import { newId } from '@avn/database';
import { SessionsService } from '@avn/identity';
import type { TestApp } from '@avn/testing';

export interface AuditTestUser {
  id: string;
  email: string;
  auth: { Authorization: string };
}

export function sql<T = Record<string, unknown>>(t: TestApp, text: string, params: unknown[] = []): Promise<T[]> {
  return t.db.asPlatform(() => t.db.query<T>(text, params));
}

/** A user row plus a real access token from identity's session service. */
export async function mintUser(t: TestApp, label: string): Promise<AuditTestUser> {
  const id = newId();
  const email = `${label}-${id.slice(-12)}@audit.test`;
  await sql(t, `INSERT INTO aventian.tbl_users (id, email, email_normalized, display_name) VALUES ($1, $2, $2, $3)`, [id, email, label]);
  const { accessToken } = await t.api.app.get(SessionsService, { strict: false }).issueTokens(id);
  return { id, email, auth: { Authorization: `Bearer ${accessToken}` } };
}

export async function makePlatformAdmin(t: TestApp, userId: string): Promise<void> {
  await sql(
    t,
    `INSERT INTO aventian.tbl_platform_role_assignments (user_id, role_id)
     SELECT $1, id FROM aventian.tbl_roles WHERE team_id IS NULL AND code = 'platform_admin'`,
    [userId],
  );
}

/** A team with `owner` as team_owner; returns its id. */
export async function teamWithOwner(t: TestApp, name: string, ownerId: string): Promise<string> {
  const teamId = newId();
  await sql(t, `INSERT INTO aventian.tbl_teams (id, name, created_by) VALUES ($1, $2, $3)`, [teamId, name, ownerId]);
  await addMember(t, teamId, ownerId, 'team_owner');
  return teamId;
}

/** Adds a member holding `roleCode` (a system role, or a custom role created here with `privileges`). */
export async function addMember(t: TestApp, teamId: string, userId: string, roleCode: string, privileges: string[] = []): Promise<void> {
  await sql(t, `INSERT INTO aventian.tbl_team_members (team_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [teamId, userId]);
  let role = (
    await sql<{ id: string }>(t, `SELECT id FROM aventian.tbl_roles WHERE code = $1 AND (team_id IS NULL OR team_id = $2)`, [
      roleCode,
      teamId,
    ])
  )[0];
  if (!role) {
    role = { id: newId() };
    await sql(t, `INSERT INTO aventian.tbl_roles (id, team_id, code, name) VALUES ($1, $2, $3, $3)`, [role.id, teamId, roleCode]);
    if (privileges.length) {
      await sql(
        t,
        `INSERT INTO aventian.tbl_role_privileges (role_id, privilege_id, team_id)
         SELECT $1, p.id, $2 FROM aventian.tbl_privileges p WHERE p.code = ANY($3::text[])`,
        [role.id, teamId, privileges],
      );
    }
  }
  await sql(t, `INSERT INTO aventian.tbl_member_roles (team_id, user_id, role_id) VALUES ($1, $2, $3)`, [teamId, userId, role.id]);
}

/** A session as the database owner (the migration role): what an operator or attacker with DB access has. */
export async function ownerClient(t: TestApp): Promise<Client> {
  const client = new Client({ connectionString: t.database!.url });
  await client.connect();
  return client;
}
