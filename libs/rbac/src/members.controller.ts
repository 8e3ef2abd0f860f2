import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentUser, Errors, Page, PageQueryDto, isUuid } from '@avn/common';
import type { UserActor } from '@avn/common';
import { MemberPageResponse, MemberRolesResponse, ROLE_CODE_RE, SetMemberRolesDto } from './dto';
import { MembershipService, MemberView } from './membership.service';
import { MemberRolesView, RoleAssignmentsService } from './role-assignments.service';

/** Path ids that cannot exist are "not found", like ids of other teams. */
function memberId(userId: string): string {
  if (!isUuid(userId)) throw Errors.notFound('Member');
  return userId.toLowerCase();
}
function roleCode(code: string): string {
  if (!ROLE_CODE_RE.test(code)) throw Errors.notFound('Role');
  return code;
}

@ApiTags('teams')
@Controller('v1/teams/:teamId/members')
export class MembersController {
  constructor(
    private readonly membership: MembershipService,
    private readonly assignments: RoleAssignmentsService,
  ) {}

  @Get()
  @Authenticated({ privilege: 'team.members:read' })
  @ApiOkResponse({ type: MemberPageResponse })
  list(@Param('teamId') teamId: string, @Query() query: PageQueryDto): Promise<Page<MemberView>> {
    return this.membership.listMembers(teamId, query.cursor, query.limit ?? 50);
  }

  @Delete(':userId')
  @HttpCode(204)
  @Authenticated({ privilege: 'team.members:write' })
  async remove(@CurrentUser() actor: UserActor, @Param('teamId') teamId: string, @Param('userId') userId: string): Promise<void> {
    const id = memberId(userId);
    await this.membership.removeMember(actor, teamId, id);
  }

  @Put(':userId/roles')
  @Authenticated({ privilege: 'team.roles:write' })
  @ApiOkResponse({ type: MemberRolesResponse })
  async setRoles(
    @CurrentUser() actor: UserActor,
    @Param('teamId') teamId: string,
    @Param('userId') userId: string,
    @Body() body: SetMemberRolesDto,
  ): Promise<MemberRolesView> {
    const id = memberId(userId);
    return this.assignments.replace(actor, teamId, id, body.roles);
  }

  @Post(':userId/roles/:roleCode')
  @Authenticated({ privilege: 'team.roles:write' })
  @ApiCreatedResponse({ type: MemberRolesResponse })
  async grant(
    @CurrentUser() actor: UserActor,
    @Param('teamId') teamId: string,
    @Param('userId') userId: string,
    @Param('roleCode') code: string,
  ): Promise<MemberRolesView> {
    const id = memberId(userId);
    return this.assignments.grant(actor, teamId, id, roleCode(code));
  }

  @Delete(':userId/roles/:roleCode')
  @HttpCode(204)
  @Authenticated({ privilege: 'team.roles:write' })
  async revoke(
    @CurrentUser() actor: UserActor,
    @Param('teamId') teamId: string,
    @Param('userId') userId: string,
    @Param('roleCode') code: string,
  ): Promise<void> {
    const id = memberId(userId);
    await this.assignments.revoke(actor, teamId, id, roleCode(code));
  }
}
