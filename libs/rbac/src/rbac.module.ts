import { Module } from '@nestjs/common';
import { AuditCoreModule } from '@avn/audit';
import { UserDetailsCoreModule } from '@avn/user-details';
import { AccessRepository } from './access.repository';
import { LockedAccessCheck } from './actor-access';
import { MembersController } from './members.controller';
import { MembersRepository } from './members.repository';
import { MembershipService } from './membership.service';
import { PlatformAdminsRepository } from './platform-admins.repository';
import { PlatformAdminsService } from './platform-admins.service';
import { RoleAssignmentsService } from './role-assignments.service';
import { RolesController } from './roles.controller';
import { RolesRepository } from './roles.repository';
import { RolesService } from './roles.service';
import { TeamsController } from './teams.controller';
import { TeamsRepository } from './teams.repository';
import { TeamsService } from './teams.service';
import { RbacUserAccessReader } from './user-access.reader';

/**
 * Teams, memberships, roles and privileges. Identity (sign-up creates a team), invitations and SSO
 * import it; the API binds the AuthGuard's UserAccessReader port to RbacUserAccessReader.
 */
@Module({
  imports: [AuditCoreModule, UserDetailsCoreModule],
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
    PlatformAdminsRepository,
    PlatformAdminsService,
  ],
  exports: [TeamsService, MembershipService, RoleAssignmentsService, PlatformAdminsService, RbacUserAccessReader],
})
export class RbacModule {}
