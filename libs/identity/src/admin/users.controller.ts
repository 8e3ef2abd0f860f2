import { Body, Controller, Get, Param, Patch, Query } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentUser, Errors } from '@avn/common';
import type { UserActor } from '@avn/common';
import { ListUsersQueryDto, UpdateUserDto, UserDetailDto, UserIdParamDto, UserPageDto } from '../dto';
import { UserAdminService } from './user-admin.service';

@ApiTags('users')
@Controller('v1/users')
export class UsersController {
  constructor(private readonly admin: UserAdminService) {}

  @Get()
  @Authenticated({ platformAdmin: true })
  @ApiOperation({ summary: 'List users (platform admin), cursor-paginated by id; `email` filters by prefix' })
  @ApiResponse({ status: 200, type: UserPageDto })
  list(@Query() query: ListUsersQueryDto): Promise<UserPageDto> {
    return this.admin.list(query);
  }

  @Get(':userId')
  @Authenticated({ platformAdmin: true })
  @ApiResponse({ status: 200, type: UserDetailDto })
  get(@Param() params: UserIdParamDto): Promise<UserDetailDto> {
    return this.admin.get(params.userId);
  }

  @Patch(':userId')
  @Authenticated({ platformAdmin: true })
  @ApiOperation({ summary: 'Rename or disable/enable a user; disabling revokes every session at once' })
  @ApiResponse({ status: 200, type: UserDetailDto })
  update(@CurrentUser() actor: UserActor, @Param() params: UserIdParamDto, @Body() body: UpdateUserDto): Promise<UserDetailDto> {
    if (body.status === undefined && body.displayName === undefined) {
      throw Errors.validation('Request validation failed', [{ message: 'send at least one of status, displayName' }]);
    }
    // An admin disabling their own account could leave the platform without any admin.
    if (body.status === 'disabled' && actor.userId === params.userId) {
      throw Errors.unprocessable('CANNOT_DISABLE_SELF', 'You cannot disable your own account');
    }
    return this.admin.update(params.userId, body);
  }
}
