import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentUser, Page } from '@avn/common';
import type { UserActor } from '@avn/common';
import { CreateTeamDto, ListTeamsQueryDto, TeamPageResponse, TeamResponse, UpdateTeamDto } from './dto';
import { TeamsService, TeamView } from './teams.service';

@ApiTags('teams')
@Controller('v1/teams')
export class TeamsController {
  constructor(private readonly teams: TeamsService) {}

  @Post()
  @Authenticated()
  @ApiCreatedResponse({ type: TeamResponse })
  create(@CurrentUser() actor: UserActor, @Body() body: CreateTeamDto): Promise<{ id: string; name: string }> {
    return this.teams.createTeamWithOwner(actor.userId, body.name);
  }

  @Get()
  @Authenticated()
  @ApiOkResponse({ type: TeamPageResponse })
  list(@CurrentUser() actor: UserActor, @Query() query: ListTeamsQueryDto): Promise<Page<TeamView>> {
    return this.teams.list(actor, query.all === true, query.cursor, query.limit ?? 50);
  }

  @Get(':teamId')
  @Authenticated({ privilege: 'team:read' })
  @ApiOkResponse({ type: TeamResponse })
  get(@Param('teamId') teamId: string): Promise<TeamView> {
    return this.teams.get(teamId);
  }

  @Patch(':teamId')
  @Authenticated({ privilege: 'team:write' })
  @ApiOkResponse({ type: TeamResponse })
  update(@Param('teamId') teamId: string, @Body() body: UpdateTeamDto): Promise<TeamView> {
    return this.teams.rename(teamId, body.name);
  }

  @Delete(':teamId')
  @HttpCode(204)
  @Authenticated({ privilege: 'team:delete' })
  async remove(@Param('teamId') teamId: string): Promise<void> {
    await this.teams.delete(teamId);
  }
}
