import { Injectable } from '@nestjs/common';
import { AuditService } from '@avn/audit';
import { Errors, teamPowers } from '@avn/common';
import type { UserActor } from '@avn/common';
import { DatabaseService, newId } from '@avn/database';
import { AccessInvalidator } from '@avn/user-details';
import { assertMayUsePrivileges } from './actor-access';
import { PrivilegeRow, RolesRepository, RoleWithPrivilegesRow, SYSTEM_ROLE_CODES } from './roles.repository';
import { TeamsRepository } from './teams.repository';

export interface RoleView {
  code: string;
  name: string;
  system: boolean;
  privileges: string[];
}

const toRoleView = (r: RoleWithPrivilegesRow): RoleView => ({
  code: r.code,
  name: r.name,
  system: r.system,
  privileges: r.privileges ?? [],
});

/** A team's roles: custom ones are managed here; template and system roles are read-only. */
@Injectable()
export class RolesService {
  constructor(
    private readonly db: DatabaseService,
    private readonly teams: TeamsRepository,
    private readonly roles: RolesRepository,
    private readonly audit: AuditService,
    private readonly invalidator: AccessInvalidator,
  ) {}

  async list(teamId: string, includeSystem: boolean): Promise<{ items: RoleView[] }> {
    const rows = await this.db.inTeam(teamId, async () => {
      if (!(await this.teams.findActive(teamId))) throw Errors.notFound('Team');
      return this.roles.list(teamId, includeSystem);
    });
    return { items: rows.map(toRoleView) };
  }

  async create(actor: UserActor, teamId: string, input: { code: string; name: string; privileges: string[] }): Promise<RoleView> {
    if (SYSTEM_ROLE_CODES.has(input.code)) throw Errors.conflict('ROLE_CODE_RESERVED', `The role code ${input.code} is reserved`);
    return this.db.inTeam(teamId, async () => {
      if (!(await this.teams.findActive(teamId))) throw Errors.notFound('Team');
      if (await this.roles.findByCode(teamId, input.code))
        throw Errors.conflict('ROLE_EXISTS', `A role ${input.code} already exists in this team`);
      const privileges = await this.resolvePrivileges(teamId, input.privileges);
      assertMayUsePrivileges(
        teamPowers(actor, teamId),
        privileges.map((p) => p.code),
      );
      const id = newId();
      await this.roles.insert(teamId, id, input.code, input.name);
      await this.roles.setPrivileges(
        teamId,
        id,
        privileges.map((p) => p.id),
      );
      await this.audit.record({
        teamId,
        action: 'role.created',
        targetType: 'role',
        targetId: id,
        data: { code: input.code, name: input.name, privileges: privileges.map((p) => p.code).sort() },
      });
      const created = await this.roles.findWithPrivileges(teamId, input.code);
      return toRoleView(created!);
    });
  }

  /** Replaces a custom role's privileges; holders see the change on their next GetUserDetails. */
  async setPrivileges(actor: UserActor, teamId: string, roleCode: string, codes: string[]): Promise<RoleView> {
    return this.db.inTeam(teamId, async () => {
      if (!(await this.teams.findActive(teamId))) throw Errors.notFound('Team');
      const role = await this.roles.findWithPrivileges(teamId, roleCode);
      if (!role) throw Errors.notFound('Role');
      if (role.team_id === null || role.system || role.template_id !== null || role.product_id !== null) {
        throw Errors.unprocessable('ROLE_NOT_EDITABLE', 'System roles and roles from product templates cannot be edited');
      }
      await this.roles.lock(teamId, role.id);
      const privileges = await this.resolvePrivileges(teamId, codes);
      const wanted = new Set(privileges.map((p) => p.code));
      const before = new Set(role.privileges);
      const added = [...wanted].filter((c) => !before.has(c)).sort();
      const removed = [...before].filter((c) => !wanted.has(c)).sort();
      assertMayUsePrivileges(teamPowers(actor, teamId), [...added, ...removed]);
      if (added.length + removed.length > 0) {
        await this.roles.setPrivileges(
          teamId,
          role.id,
          privileges.map((p) => p.id),
        );
        await this.audit.record({
          teamId,
          action: 'role.privileges_changed',
          targetType: 'role',
          targetId: role.id,
          data: { code: role.code, added, removed },
        });
        // One bump for the role, however many members hold it.
        await this.invalidator.roleChanged(role.id);
      }
      return toRoleView((await this.roles.findWithPrivileges(teamId, roleCode))!);
    });
  }

  private async resolvePrivileges(teamId: string, codes: string[]): Promise<PrivilegeRow[]> {
    const unique = [...new Set(codes)];
    if (unique.length === 0) return [];
    const found = await this.roles.resolvePrivileges(teamId, unique);
    const known = new Set(found.map((p) => p.code));
    const unknown = unique.filter((c) => !known.has(c));
    if (unknown.length > 0) {
      throw Errors.unprocessable(
        'UNKNOWN_PRIVILEGE',
        `Unknown privilege(s) for this team: ${unknown.join(', ')}`,
        unknown.map((c) => ({ field: 'privileges', message: `unknown privilege ${c}`, privilege: c })),
      );
    }
    return found;
  }
}
