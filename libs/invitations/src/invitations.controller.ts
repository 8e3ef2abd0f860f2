import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentActor, CurrentUser, PageQueryDto } from '@avn/common';
import type { Actor, UserActor } from '@avn/common';
import {
  AcceptInvitationDto,
  CreateInvitationDto,
  InvitationAcceptedDto,
  InvitationCreatedDto,
  InvitationPageDto,
} from './invitations.dto';
import { InvitationsService } from './invitations.service';

@ApiTags('invitations')
@Controller()
export class InvitationsController {
  constructor(private readonly invitations: InvitationsService) {}

  @Post('v1/teams/:teamId/invitations')
  @Authenticated({ privilege: 'team.members:write' })
  @ApiCreatedResponse({ type: InvitationCreatedDto })
  async create(
    @Param('teamId', ParseUUIDPipe) teamId: string,
    @Body() body: CreateInvitationDto,
    @CurrentUser() actor: UserActor,
  ): Promise<InvitationCreatedDto> {
    const created = await this.invitations.create(teamId, actor, body);
    return {
      id: created.id,
      email: created.email,
      roles: created.roles,
      status: created.status,
      expiresAt: created.expiresAt,
      token: created.token,
    };
  }

  @Get('v1/teams/:teamId/invitations')
  @Authenticated({ privilege: 'team.members:read' })
  @ApiOkResponse({ type: InvitationPageDto })
  list(@Param('teamId', ParseUUIDPipe) teamId: string, @Query() query: PageQueryDto): Promise<InvitationPageDto> {
    return this.invitations.list(teamId, query);
  }

  @Delete('v1/teams/:teamId/invitations/:invitationId')
  @Authenticated({ privilege: 'team.members:write' })
  @HttpCode(204)
  async revoke(
    @Param('teamId', ParseUUIDPipe) teamId: string,
    @Param('invitationId') invitationId: string,
    @CurrentUser() actor: UserActor,
  ): Promise<void> {
    await this.invitations.revoke(teamId, invitationId, actor);
  }

  @Post('v1/invitations/:token/accept')
  @Authenticated({ optional: true })
  @HttpCode(200)
  @ApiOkResponse({ type: InvitationAcceptedDto })
  accept(
    @Param('token') token: string,
    @Body() body: AcceptInvitationDto,
    @CurrentActor() actor: Actor | undefined,
  ): Promise<InvitationAcceptedDto> {
    return this.invitations.accept(token, actor?.kind === 'user' ? actor : undefined, body);
  }
}
