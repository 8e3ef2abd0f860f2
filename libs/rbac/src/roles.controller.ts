import { Body, Controller, Get, Param, Post, Put, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentUser, Errors } from '@avn/common';
import type { UserActor } from '@avn/common';
import { CreateRoleDto, ListRolesQueryDto, ROLE_CODE_RE, RoleListResponse, RoleResponse, SetRolePrivilegesDto } from './dto';
import { RolesService, RoleView } from './roles.service';

@ApiTags('roles')
@Controller('v1/teams/:teamId/roles')
export class RolesController {
  constructor(private readonly roles: RolesService) {}

  @Get()
  @Authenticated({ privilege: 'team.roles:read' })
  @ApiOkResponse({ type: RoleListResponse })
  list(@Param('teamId') teamId: string, @Query() query: ListRolesQueryDto): Promise<{ items: RoleView[] }> {
    return this.roles.list(teamId, query.includeSystem === true);
  }

  @Post()
  @Authenticated({ privilege: 'team.roles:write' })
  @ApiCreatedResponse({ type: RoleResponse })
  async create(@CurrentUser() actor: UserActor, @Param('teamId') teamId: string, @Body() body: CreateRoleDto): Promise<RoleView> {
    return this.roles.create(actor, teamId, body);
  }

  @Put(':roleCode/privileges')
  @Authenticated({ privilege: 'team.roles:write' })
  @ApiOkResponse({ type: RoleResponse })
  async setPrivileges(
    @CurrentUser() actor: UserActor,
    @Param('teamId') teamId: string,
    @Param('roleCode') roleCode: string,
    @Body() body: SetRolePrivilegesDto,
  ): Promise<RoleView> {
    if (!ROLE_CODE_RE.test(roleCode)) throw Errors.notFound('Role');
    return this.roles.setPrivileges(actor, teamId, roleCode, body.privileges);
  }
}
