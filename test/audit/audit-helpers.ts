import { Client } from 'pg';
import { newId } from '@avn/database';
import { sqlAsPlatform as sql } from '@avn/testing';
import type { TestApp, TestUser } from '@avn/testing';

export { makePlatformAdmin, mintUser, sqlAsPlatform as sql } from '@avn/testing';
export type AuditTestUser = TestUser;

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
