import { Injectable } from '@nestjs/common';
import { AuditService } from '@avn/audit';
import { Errors, Page, toPage } from '@avn/common';
import type { UserActor } from '@avn/common';
import { uuidCursor } from './cursor';
import { DatabaseService, newId } from '@avn/database';
import { AccessInvalidator } from '@avn/user-details';
import { MembersRepository } from './members.repository';
import { RolesRepository, TEAM_OWNER } from './roles.repository';
import { TeamRow, TeamsRepository } from './teams.repository';

export interface TeamView {
  id: string;
  name: string;
  createdAt: string;
  updatedAt: string;
}

export const toTeamView = (t: TeamRow): TeamView => ({
  id: t.id,
  name: t.name,
  createdAt: new Date(t.created_at).toISOString(),
  updatedAt: new Date(t.updated_at).toISOString(),
});

@Injectable()
export class TeamsService {
  constructor(
    private readonly db: DatabaseService,
    private readonly teams: TeamsRepository,
    private readonly members: MembersRepository,
    private readonly roles: RolesRepository,
    private readonly audit: AuditService,
    private readonly invalidator: AccessInvalidator,
  ) {}

  /**
   * Creates a team whose first member is `ownerUserId` holding team_owner. Runs in (or joins) a
   * transaction scoped to the new team, so sign-up can call it inside its own transaction.
   */
  async createTeamWithOwner(ownerUserId: string, name: string): Promise<{ id: string; name: string }> {
    const id = newId();
    return this.db.transaction(
      async () => {
        await this.teams.insert(id, name, ownerUserId);
        await this.members.insert(id, ownerUserId);
        const owner = await this.roles.findByCode(id, TEAM_OWNER);
        if (!owner) throw new Error('system role team_owner is missing'); // seeded by migration 0002
        await this.roles.grant(id, ownerUserId, owner.id, ownerUserId);
        await this.audit.record({
          teamId: id,
          action: 'team.created',
          targetType: 'team',
          targetId: id,
          data: { name, ownerUserId },
          actorId: ownerUserId,
          actorType: 'user',
        });
        await this.invalidator.userChanged(ownerUserId);
        return { id, name };
      },
      { teamId: id },
    );
  }

  async list(actor: UserActor, all: boolean, cursor: string | undefined, limit: number): Promise<Page<TeamView>> {
    const after = uuidCursor(cursor, 'id');
    let rows: TeamRow[];
    if (all) {
      if (!actor.platformAdmin) throw Errors.forbidden('Only platform admins can list all teams');
      rows = await this.teams.listAll(after, limit + 1);
    } else {
      rows = await this.teams.listOfUser(actor.userId, after, limit + 1);
    }
    return toPage(rows, limit, toTeamView, (r) => ({ id: r.id }));
  }

  async get(teamId: string): Promise<TeamView> {
    const team = await this.teams.findActive(teamId);
    if (!team) throw Errors.notFound('Team');
    return toTeamView(team);
  }

  async rename(teamId: string, name: string): Promise<TeamView> {
    return this.db.inTeam(teamId, async () => {
      const before = await this.teams.lockActive(teamId);
      if (!before) throw Errors.notFound('Team');
      const team = await this.teams.rename(teamId, name);
      if (!team) throw Errors.notFound('Team');
      if (before.name !== name) {
        await this.audit.record({
          teamId,
          action: 'team.renamed',
          targetType: 'team',
          targetId: teamId,
          data: { from: before.name, to: name },
        });
        // GetUserDetails carries the team name.
        await this.invalidator.teamChanged(teamId);
      }
      return toTeamView(team);
    });
  }

  /** Soft delete: the team disappears for everyone at once and its subscriptions end. */
  async delete(teamId: string): Promise<void> {
    await this.db.inTeam(teamId, async () => {
      const team = await this.teams.lockActive(teamId);
      if (!team) throw Errors.notFound('Team');
      await this.teams.softDelete(teamId);
      const canceledProducts = await this.teams.cancelSubscriptions(teamId);
      await this.audit.record({
        teamId,
        action: 'team.deleted',
        targetType: 'team',
        targetId: teamId,
        data: { name: team.name, canceledProductIds: canceledProducts },
      });
      await this.invalidator.teamChanged(teamId);
    });
  }
}
