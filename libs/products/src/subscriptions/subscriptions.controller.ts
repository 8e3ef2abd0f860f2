import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentProduct, Errors, isUuid } from '@avn/common';
import type { ProductActor } from '@avn/common';
import { DbConnectionReader } from '../vault/db-connection-reader.service';
import { CreateSubscriptionDto, DbConnectionDto, SetDbConnectionDto, SubscriptionDto, UpdateSubscriptionDto } from './subscriptions.dto';
import { SubscriptionsService } from './subscriptions.service';

const CODE_RE = /^[a-z][a-z0-9-]{1,62}$/;

function ids(teamId: string, productCode?: string): void {
  if (!isUuid(teamId)) throw Errors.notFound('Team');
  if (productCode !== undefined && !CODE_RE.test(productCode)) throw Errors.notFound('Subscription');
}

@ApiTags('subscriptions')
@Controller('v1/teams/:teamId')
export class SubscriptionsController {
  constructor(
    private readonly subscriptions: SubscriptionsService,
    private readonly reader: DbConnectionReader,
  ) {}

  /** Synchronous provisioning: the 201 shows the final status (active or failed). */
  @Post('subscriptions')
  @Authenticated({ privilege: 'team.subscriptions:write' })
  @ApiCreatedResponse({ type: SubscriptionDto })
  subscribe(@Param('teamId') teamId: string, @Body() body: CreateSubscriptionDto): Promise<SubscriptionDto> {
    ids(teamId);
    return this.subscriptions.subscribe(teamId, body);
  }

  @Get('subscriptions')
  @Authenticated({ privilege: 'team.subscriptions:read' })
  list(@Param('teamId') teamId: string): Promise<{ items: SubscriptionDto[]; nextCursor: null }> {
    ids(teamId);
    return this.subscriptions.list(teamId);
  }

  @Patch('subscriptions/:productCode')
  @Authenticated({ privilege: 'team.subscriptions:write' })
  @ApiOkResponse({ type: SubscriptionDto })
  update(
    @Param('teamId') teamId: string,
    @Param('productCode') productCode: string,
    @Body() body: UpdateSubscriptionDto,
  ): Promise<SubscriptionDto> {
    ids(teamId, productCode);
    return this.subscriptions.update(teamId, productCode, body);
  }

  @Delete('subscriptions/:productCode')
  @Authenticated({ privilege: 'team.subscriptions:write' })
  @HttpCode(204)
  async cancel(@Param('teamId') teamId: string, @Param('productCode') productCode: string): Promise<void> {
    ids(teamId, productCode);
    await this.subscriptions.cancel(teamId, productCode);
  }

  /** Re-runs provisioning of a failed subscription; 200 with the final status. */
  @Post('subscriptions/:productCode/retry')
  @Authenticated({ privilege: 'team.subscriptions:write' })
  @HttpCode(200)
  @ApiOkResponse({ type: SubscriptionDto })
  retry(@Param('teamId') teamId: string, @Param('productCode') productCode: string): Promise<SubscriptionDto> {
    ids(teamId, productCode);
    return this.subscriptions.retry(teamId, productCode);
  }

  @Put('subscriptions/:productCode/db-connection')
  @Authenticated({ platformAdmin: true })
  @HttpCode(204)
  async setConnection(
    @Param('teamId') teamId: string,
    @Param('productCode') productCode: string,
    @Body() body: SetDbConnectionDto,
  ): Promise<void> {
    ids(teamId, productCode);
    await this.subscriptions.setConnection(teamId, productCode, body.connectionString);
  }

  /** Product keys only: the calling product's connection for the team (404 unless actively subscribed). */
  @Get('db-connection')
  @Authenticated({ user: false, product: true })
  @ApiOkResponse({ type: DbConnectionDto })
  readConnection(@Param('teamId') teamId: string, @CurrentProduct() product: ProductActor): Promise<DbConnectionDto> {
    return this.reader.read(product, teamId);
  }
}
