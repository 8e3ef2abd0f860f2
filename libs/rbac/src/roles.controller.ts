import { Body, Controller, Get, Param, Post, Put, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Auth, Authenticated, Errors } from '@avn/common';
import type { AuthPrincipal } from '@avn/common';
import { ActorAccessResolver } from './actor-access';
import { CreateRoleDto, ListRolesQueryDto, ROLE_CODE_RE, RoleListResponse, RoleResponse, SetRolePrivilegesDto } from './dto';
import { RolesService, RoleView } from './roles.service';

@ApiTags('roles')
@Controller('v1/teams/:teamId/roles')
export class RolesController {
  constructor(
    private readonly roles: RolesService,
    private readonly actors: ActorAccessResolver,
  ) {}

  @Get()
  @Authenticated({ privilege: 'team.roles:read' })
  @ApiOkResponse({ type: RoleListResponse })
  list(@Param('teamId') teamId: string, @Query() query: ListRolesQueryDto): Promise<{ items: RoleView[] }> {
    return this.roles.list(teamId, query.includeSystem === true);
  }

  @Post()
  @Authenticated({ privilege: 'team.roles:write' })
  @ApiCreatedResponse({ type: RoleResponse })
  async create(@Auth() auth: AuthPrincipal, @Param('teamId') teamId: string, @Body() body: CreateRoleDto): Promise<RoleView> {
    return this.roles.create(await this.actors.resolve(auth, teamId), teamId, body);
  }

  @Put(':roleCode/privileges')
  @Authenticated({ privilege: 'team.roles:write' })
  @ApiOkResponse({ type: RoleResponse })
  async setPrivileges(
    @Auth() auth: AuthPrincipal,
    @Param('teamId') teamId: string,
    @Param('roleCode') roleCode: string,
    @Body() body: SetRolePrivilegesDto,
  ): Promise<RoleView> {
    if (!ROLE_CODE_RE.test(roleCode)) throw Errors.notFound('Role');
    return this.roles.setPrivileges(await this.actors.resolve(auth, teamId), teamId, roleCode, body.privileges);
  }
}
