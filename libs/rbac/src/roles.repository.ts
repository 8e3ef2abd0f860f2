import { Injectable } from '@nestjs/common';
import { DatabaseService } from '@avn/database';

export const TEAM_OWNER = 'team_owner';
export const PLATFORM_ADMIN = 'platform_admin';
/** Codes of the team-less system roles; reserved in every team. */
export const SYSTEM_ROLE_CODES: ReadonlySet<string> = new Set([TEAM_OWNER, PLATFORM_ADMIN]);

export interface RoleRow {
  id: string;
  team_id: string | null;
  template_id: string | null;
  product_id: string | null;
  code: string;
  name: string;
  system: boolean;
}

export interface RoleWithPrivilegesRow extends RoleRow {
  privileges: string[];
}

export interface PrivilegeRow {
  id: string;
  code: string;
}

const ROLE_COLUMNS = 'r.id, r.team_id, r.template_id, r.product_id, r.code, r.name, (r.system OR r.team_id IS NULL) AS system';

/**
 * Roles usable in a team: its own roles (custom and product-template ones) plus the system role
 * team_owner. team_owner's privileges are implicit (every team privilege); listed as the platform
 * (team-management) privileges so clients see what it allows.
 */
const ROLE_PRIVILEGES = `
  CASE WHEN r.team_id IS NULL AND r.code = '${TEAM_OWNER}'
       THEN (SELECT array_agg(p.code ORDER BY p.code) FROM aventian.tbl_privileges p WHERE p.product_id IS NULL)
       ELSE coalesce((SELECT array_agg(p.code ORDER BY p.code)
                        FROM aventian.tbl_role_privileges rp JOIN aventian.tbl_privileges p ON p.id = rp.privilege_id
                       WHERE rp.role_id = r.id), '{}') END AS privileges`;

/** tbl_roles / tbl_role_privileges / tbl_member_roles of one team (RLS scope = that team). */
@Injectable()
export class RolesRepository {
  constructor(private readonly db: DatabaseService) {}

  /** Role usable in the team by code (team role, or team_owner). */
  findByCode(teamId: string, code: string): Promise<RoleRow | undefined> {
    return this.db.inTeam(teamId, () =>
      this.db.queryOne<RoleRow>(
        `SELECT ${ROLE_COLUMNS} FROM aventian.tbl_roles r
          WHERE r.code = $2 AND (r.team_id = $1 OR (r.team_id IS NULL AND r.code = '${TEAM_OWNER}'))
          ORDER BY r.team_id NULLS LAST LIMIT 1`,
        [teamId, code],
      ),
    );
  }

  findManyByCode(teamId: string, codes: string[]): Promise<RoleRow[]> {
    return this.db.inTeam(teamId, () =>
      this.db.query<RoleRow>(
        `SELECT ${ROLE_COLUMNS} FROM aventian.tbl_roles r
          WHERE r.code = ANY($2::text[]) AND (r.team_id = $1 OR (r.team_id IS NULL AND r.code = '${TEAM_OWNER}'))`,
        [teamId, codes],
      ),
    );
  }

  findWithPrivileges(teamId: string, code: string): Promise<RoleWithPrivilegesRow | undefined> {
    return this.db.inTeam(teamId, () =>
      this.db.queryOne<RoleWithPrivilegesRow>(
        `SELECT ${ROLE_COLUMNS}, ${ROLE_PRIVILEGES} FROM aventian.tbl_roles r
          WHERE r.code = $2 AND (r.team_id = $1 OR (r.team_id IS NULL AND r.code = '${TEAM_OWNER}'))
          ORDER BY r.team_id NULLS LAST LIMIT 1`,
        [teamId, code],
      ),
    );
  }

  list(teamId: string, includeSystem: boolean): Promise<RoleWithPrivilegesRow[]> {
    return this.db.inTeam(teamId, () =>
      this.db.query<RoleWithPrivilegesRow>(
        `SELECT * FROM (
           SELECT ${ROLE_COLUMNS}, ${ROLE_PRIVILEGES} FROM aventian.tbl_roles r
            WHERE r.team_id = $1 OR (r.team_id IS NULL AND r.code = '${TEAM_OWNER}')) x
          WHERE $2::boolean OR NOT x.system
          ORDER BY x.team_id NULLS FIRST, x.code`,
        [teamId, includeSystem],
      ),
    );
  }

  insert(teamId: string, id: string, code: string, name: string): Promise<void> {
    return this.db.inTeam(teamId, async () => {
      await this.db.query(`INSERT INTO aventian.tbl_roles (id, team_id, code, name, system) VALUES ($1, $2, $3, $4, false)`, [
        id,
        teamId,
        code,
        name,
      ]);
    });
  }

  /** Locks a team role (concurrent privilege edits of one role serialise). */
  lock(teamId: string, roleId: string): Promise<void> {
    return this.db.inTeam(teamId, async () => {
      await this.db.query(`SELECT 1 FROM aventian.tbl_roles WHERE team_id = $1 AND id = $2 FOR UPDATE`, [teamId, roleId]);
    });
  }

  /**
   * Privileges a role of this team may hold: platform (team-management) privileges and those of
   * products the team has a live subscription to. Unknown or foreign codes are simply absent.
   */
  resolvePrivileges(teamId: string, codes: string[]): Promise<PrivilegeRow[]> {
    return this.db.inTeam(teamId, () =>
      this.db.query<PrivilegeRow>(
        `SELECT p.id, p.code FROM aventian.tbl_privileges p
          WHERE p.code = ANY($2::text[])
            AND (p.product_id IS NULL OR EXISTS (
                  SELECT 1 FROM aventian.tbl_team_product_assoc a
                   WHERE a.team_id = $1 AND a.product_id = p.product_id AND a.status <> 'canceled'))`,
        [teamId, codes],
      ),
    );
  }

  /** Replaces the role's privilege set; returns whether anything changed. */
  setPrivileges(teamId: string, roleId: string, privilegeIds: string[]): Promise<boolean> {
    return this.db.inTeam(teamId, async () => {
      const removed = await this.db.execute(
        `DELETE FROM aventian.tbl_role_privileges WHERE team_id = $1 AND role_id = $2 AND NOT (privilege_id = ANY($3::uuid[]))`,
        [teamId, roleId, privilegeIds],
      );
      const added = await this.db.execute(
        `INSERT INTO aventian.tbl_role_privileges (role_id, privilege_id, team_id)
         SELECT $2, x, $1 FROM unnest($3::uuid[]) AS x
         ON CONFLICT (role_id, privilege_id) DO NOTHING`,
        [teamId, roleId, privilegeIds],
      );
      return removed.rowCount + added.rowCount > 0;
    });
  }

  /** Roles the member holds in the team. */
  rolesOfMember(teamId: string, userId: string): Promise<RoleRow[]> {
    return this.db.inTeam(teamId, () =>
      this.db.query<RoleRow>(
        `SELECT ${ROLE_COLUMNS} FROM aventian.tbl_member_roles mr JOIN aventian.tbl_roles r ON r.id = mr.role_id
          WHERE mr.team_id = $1 AND mr.user_id = $2 ORDER BY r.code`,
        [teamId, userId],
      ),
    );
  }

  /** Privilege codes of the given roles (team_owner excluded: its privileges are implicit). */
  privilegeCodesOfRoles(teamId: string, roleIds: string[]): Promise<string[]> {
    return this.db.inTeam(teamId, async () => {
      const rows = await this.db.query<{ code: string }>(
        `SELECT DISTINCT p.code FROM aventian.tbl_role_privileges rp JOIN aventian.tbl_privileges p ON p.id = rp.privilege_id
          WHERE rp.team_id = $1 AND rp.role_id = ANY($2::uuid[])`,
        [teamId, roleIds],
      );
      return rows.map((r) => r.code);
    });
  }

  /** Idempotent; true when the assignment is new. */
  grant(teamId: string, userId: string, roleId: string, grantedBy: string | null): Promise<boolean> {
    return this.db.inTeam(teamId, async () => {
      const res = await this.db.execute(
        `INSERT INTO aventian.tbl_member_roles (team_id, user_id, role_id, granted_by) VALUES ($1, $2, $3, $4)
         ON CONFLICT (team_id, user_id, role_id) DO NOTHING`,
        [teamId, userId, roleId, grantedBy],
      );
      return res.rowCount > 0;
    });
  }

  revoke(teamId: string, userId: string, roleId: string): Promise<boolean> {
    return this.db.inTeam(teamId, async () => {
      const res = await this.db.execute(`DELETE FROM aventian.tbl_member_roles WHERE team_id = $1 AND user_id = $2 AND role_id = $3`, [
        teamId,
        userId,
        roleId,
      ]);
      return res.rowCount > 0;
    });
  }

  /** Members holding team_owner (call with the team row locked). */
  countOwners(teamId: string): Promise<number> {
    return this.db.inTeam(teamId, async () => {
      const row = await this.db.queryOne<{ n: number }>(
        `SELECT count(*)::int AS n FROM aventian.tbl_member_roles mr
           JOIN aventian.tbl_roles r ON r.id = mr.role_id AND r.team_id IS NULL AND r.code = '${TEAM_OWNER}'
          WHERE mr.team_id = $1`,
        [teamId],
      );
      return row?.n ?? 0;
    });
  }
}
