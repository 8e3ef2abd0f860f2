import { Injectable } from '@nestjs/common';
import { AuditService } from '@avn/audit';
import { Errors, Page, teamPowers, toPage } from '@avn/common';
import type { UserActor } from '@avn/common';
import { uuidCursor } from './cursor';
import { DatabaseService } from '@avn/database';
import { AccessInvalidator } from '@avn/user-details';
import { assertMayManageRole, LockedAccessCheck } from './actor-access';
import { MemberRow, MembersRepository } from './members.repository';
import { RoleRow, RolesRepository, TEAM_OWNER } from './roles.repository';
import { TeamsRepository } from './teams.repository';

export interface MemberView {
  userId: string;
  email: string;
  displayName: string;
  roles: string[];
}

const toMemberView = (m: MemberRow): MemberView => ({ userId: m.user_id, email: m.email, displayName: m.display_name, roles: m.roles });

export const isTeamOwnerRole = (r: Pick<RoleRow, 'team_id' | 'code'>): boolean => r.team_id === null && r.code === TEAM_OWNER;

/** Team membership: who belongs to which team (used by sign-up, /me, invitations and the members routes). */
@Injectable()
export class MembershipService {
  constructor(
    private readonly db: DatabaseService,
    private readonly teams: TeamsRepository,
    private readonly members: MembersRepository,
    private readonly roles: RolesRepository,
    private readonly audit: AuditService,
    private readonly invalidator: AccessInvalidator,
    private readonly locked: LockedAccessCheck,
  ) {}

  /** Member of an active team. */
  isMember(teamId: string, userId: string): Promise<boolean> {
    return this.members.isMember(teamId, userId);
  }

  /** Active teams of the user with every role code held there (system roles included). */
  async listTeamsOfUser(userId: string): Promise<Array<{ id: string; name: string; roles: string[] }>> {
    const rows = await this.members.teamsOfUser(userId);
    return rows.map((r) => ({ id: r.id, name: r.name, roles: r.roles }));
  }

  /**
   * Adds the user to the team (idempotent) with the given roles (added to those already held).
   * 422 UNKNOWN_ROLE when a code is not a role of this team. Trusted callers only (invitation
   * acceptance): the inviter's right to hand out these roles is checked when the invitation is made.
   */
  async addMember(teamId: string, userId: string, roleCodes: string[], grantedBy?: string): Promise<void> {
    await this.db.inTeam(teamId, async () => {
      if (!(await this.teams.findActive(teamId))) throw Errors.notFound('Team');
      if (!(await this.members.userExists(userId))) throw Errors.notFound('User');
      const roles = await this.resolveRoles(teamId, roleCodes);
      const added = await this.members.insert(teamId, userId);
      const granted: string[] = [];
      for (const role of roles) {
        if (await this.roles.grant(teamId, userId, role.id, grantedBy ?? null)) granted.push(role.code);
      }
      if (added) {
        await this.audit.record({
          teamId,
          action: 'member.added',
          targetType: 'user',
          targetId: userId,
          data: { roles: granted, grantedBy: grantedBy ?? null },
        });
      } else {
        for (const code of granted) {
          await this.audit.record({
            teamId,
            action: 'role.granted',
            targetType: 'user',
            targetId: userId,
            data: { role: code, grantedBy: grantedBy ?? null },
          });
        }
      }
      if (added || granted.length > 0) await this.invalidator.userChanged(userId);
    });
  }

  async listMembers(teamId: string, cursor: string | undefined, limit: number): Promise<Page<MemberView>> {
    const after = uuidCursor(cursor, 'u');
    const rows = await this.db.inTeam(teamId, async () => {
      // The guard lets platform admins through for any id: a missing or deleted team is still 404.
      if (!(await this.teams.findActive(teamId))) throw Errors.notFound('Team');
      return this.members.list(teamId, after, limit + 1);
    });
    return toPage(rows, limit, toMemberView, (r) => ({ u: r.user_id }));
  }

  /**
   * Removes a member (and their roles). The last owner cannot be removed; only owners remove owners.
   * The actor's access is re-read under the team lock (see LockedAccessCheck).
   */
  async removeMember(caller: UserActor, teamId: string, userId: string): Promise<void> {
    await this.db.inTeam(teamId, async () => {
      if (!(await this.teams.lockActive(teamId))) throw Errors.notFound('Team');
      const actor = await this.locked.reconfirm(caller, teamId, 'team.members:write');
      if (!(await this.members.isMember(teamId, userId))) throw Errors.notFound('Member');
      const held = await this.roles.rolesOfMember(teamId, userId);
      const ownerRole = held.find(isTeamOwnerRole);
      if (ownerRole) {
        assertMayManageRole(teamPowers(actor, teamId), ownerRole, []);
        if ((await this.roles.countOwners(teamId)) <= 1) {
          throw Errors.unprocessable('LAST_OWNER', 'The last owner of a team cannot be removed');
        }
      }
      await this.members.delete(teamId, userId);
      await this.audit.record({
        teamId,
        action: 'member.removed',
        targetType: 'user',
        targetId: userId,
        data: { roles: held.map((r) => r.code) },
      });
      await this.invalidator.userChanged(userId);
    });
  }

  /** Roles of this team by code; 422 UNKNOWN_ROLE naming the unknown ones. */
  async resolveRoles(teamId: string, codes: string[]): Promise<RoleRow[]> {
    const unique = [...new Set(codes)];
    if (unique.length === 0) return [];
    const found = await this.roles.findManyByCode(teamId, unique);
    const known = new Set(found.map((r) => r.code));
    const unknown = unique.filter((c) => !known.has(c));
    if (unknown.length > 0) {
      throw Errors.unprocessable(
        'UNKNOWN_ROLE',
        `Unknown role(s) in this team: ${unknown.join(', ')}`,
        unknown.map((c) => ({ field: 'roles', message: `unknown role ${c}`, role: c })),
      );
    }
    return found;
  }
}
