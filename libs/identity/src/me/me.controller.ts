import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentUser } from '@avn/common';
import type { UserActor } from '@avn/common';
import { ProfileDto, UpdateMeDto } from '../dto';
import { ProfileService } from './profile.service';

@ApiTags('me')
@Controller('v1/me')
export class MeController {
  constructor(private readonly profiles: ProfileService) {}

  @Get()
  @Authenticated()
  @ApiResponse({ status: 200, type: ProfileDto })
  get(@CurrentUser() actor: UserActor): Promise<ProfileDto> {
    return this.profiles.get(actor);
  }

  @Patch()
  @Authenticated()
  @ApiOperation({
    summary:
      'Update the profile. Changing the password needs currentPassword (wrong: 400 on currentPassword) and signs out every other session',
  })
  @ApiResponse({ status: 200, type: ProfileDto })
  update(@CurrentUser() actor: UserActor, @Body() body: UpdateMeDto): Promise<ProfileDto> {
    return this.profiles.update(actor, body);
  }
}
