import { Global, Module } from '@nestjs/common';
import { TeamAccessChecker } from '@avn/common';
import { ActorAccessResolver } from './actor-access';
import { MembersController } from './members.controller';
import { MembersRepository } from './members.repository';
import { MembershipService } from './membership.service';
import { RoleAssignmentsService } from './role-assignments.service';
import { RolesController } from './roles.controller';
import { RolesRepository } from './roles.repository';
import { RolesService } from './roles.service';
import { RbacTeamAccessChecker } from './team-access.checker';
import { TeamsController } from './teams.controller';
import { TeamsRepository } from './teams.repository';
import { TeamsService } from './teams.service';

/**
 * Teams, memberships, roles and privileges. Global: sign-up (identity) creates teams through
 * TeamsService, invitations add members through MembershipService, and the AuthGuard resolves
 * TeamAccessChecker from here.
 */
@Global()
@Module({
  controllers: [TeamsController, MembersController, RolesController],
  providers: [
    TeamsRepository,
    MembersRepository,
    RolesRepository,
    TeamsService,
    MembershipService,
    RolesService,
    RoleAssignmentsService,
    ActorAccessResolver,
    RbacTeamAccessChecker,
    { provide: TeamAccessChecker, useExisting: RbacTeamAccessChecker },
  ],
  exports: [TeamsService, MembershipService, TeamAccessChecker, RbacTeamAccessChecker],
})
export class RbacModule {}
