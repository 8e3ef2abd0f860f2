import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentUser, Public } from '@avn/common';
import type { UserActor } from '@avn/common';
import { LoginDto, LoginResponseDto, LogoutDto, RefreshDto, SignupDto, SignupResponseDto, SwitchTeamDto, TokensResponseDto } from '../dto';
import { AuthService } from './auth.service';

@ApiTags('auth')
@Controller('v1/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('signup')
  @Public()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create an account and its first team (the user becomes team_owner)' })
  @ApiResponse({ status: 201, type: SignupResponseDto })
  signup(@Body() body: SignupDto): Promise<SignupResponseDto> {
    return this.auth.signup(body);
  }

  @Post('login')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Password login; 429 with Retry-After after LOGIN_MAX_FAILURES failures' })
  @ApiResponse({ status: 200, type: LoginResponseDto })
  login(@Body() body: LoginDto): Promise<LoginResponseDto> {
    return this.auth.login(body);
  }

  @Post('refresh')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Rotate a refresh token; reusing an old one revokes the whole session' })
  @ApiResponse({ status: 200, type: TokensResponseDto })
  refresh(@Body() body: RefreshDto): Promise<TokensResponseDto> {
    return this.auth.refresh(body.refreshToken);
  }

  @Post('logout')
  @Authenticated()
  @HttpCode(204)
  @ApiOperation({ summary: 'End the session' })
  async logout(@CurrentUser() actor: UserActor, @Body() body: LogoutDto): Promise<void> {
    await this.auth.logout(actor.userId, actor.sessionId, body.refreshToken);
  }

  @Post('switch-team')
  @Authenticated()
  @HttpCode(200)
  @ApiOperation({ summary: "New tokens carrying another of the user's teams (404 for any other team)" })
  @ApiResponse({ status: 200, type: TokensResponseDto })
  switchTeam(@CurrentUser() actor: UserActor, @Body() body: SwitchTeamDto): Promise<TokensResponseDto> {
    return this.auth.switchTeam(actor.userId, actor.sessionId, body.teamId);
  }
}
