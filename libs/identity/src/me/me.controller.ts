import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Auth, Authenticated } from '@avn/common';
import type { AuthPrincipal, UserPrincipal } from '@avn/common';
import { ProfileDto, UpdateMeDto } from '../dto';
import { ProfileService } from './profile.service';

@ApiTags('me')
@Controller('v1/me')
export class MeController {
  constructor(private readonly profiles: ProfileService) {}

  @Get()
  @Authenticated()
  @ApiResponse({ status: 200, type: ProfileDto })
  get(@Auth() principal: AuthPrincipal): Promise<ProfileDto> {
    return this.profiles.get(principal as UserPrincipal);
  }

  @Patch()
  @Authenticated()
  @ApiOperation({
    summary:
      'Update the profile. Changing the password needs currentPassword (wrong: 400 on currentPassword) and signs out every other session',
  })
  @ApiResponse({ status: 200, type: ProfileDto })
  update(@Auth() principal: AuthPrincipal, @Body() body: UpdateMeDto): Promise<ProfileDto> {
    return this.profiles.update(principal as UserPrincipal, body);
  }
}
