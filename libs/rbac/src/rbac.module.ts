import { Global, Module } from '@nestjs/common';
import { UserAccessReader } from '@avn/common';
import { AccessRepository } from './access.repository';
import { LockedAccessCheck } from './actor-access';
import { MembersController } from './members.controller';
import { MembersRepository } from './members.repository';
import { MembershipService } from './membership.service';
import { RoleAssignmentsService } from './role-assignments.service';
import { RolesController } from './roles.controller';
import { RolesRepository } from './roles.repository';
import { RolesService } from './roles.service';
import { TeamsController } from './teams.controller';
import { TeamsRepository } from './teams.repository';
import { TeamsService } from './teams.service';
import { RbacUserAccessReader } from './user-access.reader';

/**
 * Teams, memberships, roles and privileges. Global: sign-up (identity) creates teams through
 * TeamsService, invitations add members through MembershipService, and the AuthGuard resolves
 * UserAccessReader from here.
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
    AccessRepository,
    RbacUserAccessReader,
    LockedAccessCheck,
    { provide: UserAccessReader, useExisting: RbacUserAccessReader },
  ],
  exports: [TeamsService, MembershipService, UserAccessReader],
})
export class RbacModule {}
