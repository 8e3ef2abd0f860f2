import { Injectable } from '@nestjs/common';
import { AuditService } from '@avn/audit';
import { Errors, teamPowers } from '@avn/common';
import type { UserActor } from '@avn/common';
import { DatabaseService } from '@avn/database';
import { AccessInvalidator } from '@avn/user-details';
import { assertMayManageRole, LockedAccessCheck } from './actor-access';
import { isTeamOwnerRole, MembershipService } from './membership.service';
import { MembersRepository } from './members.repository';
import { RoleRow, RolesRepository } from './roles.repository';
import { TeamsRepository } from './teams.repository';

export interface MemberRolesView {
  userId: string;
  roles: string[];
}

const ROLES_WRITE = 'team.roles:write';

/**
 * Grants and revokes team roles. Every change locks the team row first, so the last-owner rule
 * holds under concurrency, then re-reads the actor's access under that lock (two owners removing
 * each other: the second finds it is no longer an owner, 403, whatever the timing; see
 * LockedAccessCheck) and checks the actor may hand out the role (no privilege escalation).
 */
@Injectable()
export class RoleAssignmentsService {
  constructor(
    private readonly db: DatabaseService,
    private readonly teams: TeamsRepository,
    private readonly members: MembersRepository,
    private readonly roles: RolesRepository,
    private readonly membership: MembershipService,
    private readonly audit: AuditService,
    private readonly invalidator: AccessInvalidator,
    private readonly locked: LockedAccessCheck,
  ) {}

  /**
   * For flows that hand out roles later: 422 UNKNOWN_ROLE for codes that are not roles of this
   * team, 403 when the actor could not grant them directly (team_owner needs an owner or platform
   * admin; other roles need the actor to hold all their privileges).
   */
  async assertMayGrant(actor: UserActor, teamId: string, roleCodes: string[]): Promise<void> {
    await this.db.inTeam(teamId, async () => {
      const roles = await this.membership.resolveRoles(teamId, roleCodes);
      await this.assertMayManage(actor, teamId, roles);
    });
  }

  async grant(caller: UserActor, teamId: string, userId: string, roleCode: string): Promise<MemberRolesView> {
    return this.db.inTeam(teamId, async () => {
      const actor = await this.lockTeamAndMember(caller, teamId, userId);
      const role = await this.roles.findByCode(teamId, roleCode);
      if (!role) throw Errors.notFound('Role');
      await this.assertMayManage(actor, teamId, [role]);
      if (await this.roles.grant(teamId, userId, role.id, actor.userId)) {
        await this.audit.record({ teamId, action: 'role.granted', targetType: 'user', targetId: userId, data: { role: role.code } });
        await this.invalidator.userChanged(userId);
      }
      return this.view(teamId, userId);
    });
  }

  async revoke(caller: UserActor, teamId: string, userId: string, roleCode: string): Promise<void> {
    await this.db.inTeam(teamId, async () => {
      const actor = await this.lockTeamAndMember(caller, teamId, userId);
      const role = (await this.roles.rolesOfMember(teamId, userId)).find((r) => r.code === roleCode);
      if (!role) throw Errors.notFound('Role assignment');
      await this.assertMayManage(actor, teamId, [role]);
      if (isTeamOwnerRole(role)) await this.assertNotLastOwner(teamId);
      await this.roles.revoke(teamId, userId, role.id);
      await this.audit.record({ teamId, action: 'role.revoked', targetType: 'user', targetId: userId, data: { role: role.code } });
      await this.invalidator.userChanged(userId);
    });
  }

  /** Replaces the member's role set. */
  async replace(caller: UserActor, teamId: string, userId: string, roleCodes: string[]): Promise<MemberRolesView> {
    return this.db.inTeam(teamId, async () => {
      const actor = await this.lockTeamAndMember(caller, teamId, userId);
      const wanted = await this.membership.resolveRoles(teamId, roleCodes);
      const current = await this.roles.rolesOfMember(teamId, userId);
      const wantedIds = new Set(wanted.map((r) => r.id));
      const currentIds = new Set(current.map((r) => r.id));
      const toAdd = wanted.filter((r) => !currentIds.has(r.id));
      const toRemove = current.filter((r) => !wantedIds.has(r.id));
      await this.assertMayManage(actor, teamId, [...toAdd, ...toRemove]);
      if (toRemove.some(isTeamOwnerRole)) await this.assertNotLastOwner(teamId);
      for (const role of toRemove) {
        await this.roles.revoke(teamId, userId, role.id);
        await this.audit.record({ teamId, action: 'role.revoked', targetType: 'user', targetId: userId, data: { role: role.code } });
      }
      for (const role of toAdd) {
        await this.roles.grant(teamId, userId, role.id, actor.userId);
        await this.audit.record({ teamId, action: 'role.granted', targetType: 'user', targetId: userId, data: { role: role.code } });
      }
      if (toAdd.length + toRemove.length > 0) await this.invalidator.userChanged(userId);
      return this.view(teamId, userId);
    });
  }

  /** Locks the team, re-reads the actor's access under the lock (returned) and checks the member exists. */
  private async lockTeamAndMember(caller: UserActor, teamId: string, userId: string): Promise<UserActor> {
    if (!(await this.teams.lockActive(teamId))) throw Errors.notFound('Team');
    const actor = await this.locked.reconfirm(caller, teamId, ROLES_WRITE);
    // A user of another team (or no user at all) is "not found" here, never "forbidden".
    if (!(await this.members.isMember(teamId, userId))) throw Errors.notFound('Member');
    return actor;
  }

  private async assertMayManage(actor: UserActor, teamId: string, roles: RoleRow[]): Promise<void> {
    const powers = teamPowers(actor, teamId);
    if (powers.unrestricted || roles.length === 0) return;
    for (const role of roles) {
      const privileges = isTeamOwnerRole(role) ? [] : await this.roles.privilegeCodesOfRoles(teamId, [role.id]);
      assertMayManageRole(powers, role, privileges);
    }
  }

  private async assertNotLastOwner(teamId: string): Promise<void> {
    if ((await this.roles.countOwners(teamId)) <= 1) {
      throw Errors.unprocessable('LAST_OWNER', 'The last owner of a team cannot lose team_owner');
    }
  }

  private async view(teamId: string, userId: string): Promise<MemberRolesView> {
    const roles = await this.roles.rolesOfMember(teamId, userId);
    return { userId, roles: roles.map((r) => r.code) };
  }
}
