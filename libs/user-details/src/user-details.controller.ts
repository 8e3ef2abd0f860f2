import { Controller, Get, Header, Param, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Auth, Authenticated, Errors } from '@avn/common';
import type { AuthPrincipal } from '@avn/common';
import { UserDetailsResponseDto } from './user-details.dto';
import { UserDetailsService } from './user-details.service';

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * GetUserDetails over REST, for product backends (product key only). Parameters are checked by hand
 * rather than through a DTO: this is the hot path, and the class-transformer round trip of the global
 * ValidationPipe would cost more than the cache hit itself. Same rules: UUIDs, no unknown fields.
 */
@ApiTags('runtime')
@Controller('v1/users')
export class UserDetailsController {
  constructor(private readonly details: UserDetailsService) {}

  @Get(':userId/details')
  @Authenticated({ user: false, product: true })
  @Header('content-type', 'application/json; charset=utf-8')
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'GetUserDetails: teams, roles and privileges of a user for the calling product' })
  @ApiParam({ name: 'userId', format: 'uuid' })
  @ApiQuery({ name: 'teamId', required: false, description: 'Only this team', schema: { type: 'string', format: 'uuid' } })
  @ApiOkResponse({ type: UserDetailsResponseDto })
  @ApiNotFoundResponse({ description: 'Unknown user' })
  async getUserDetails(
    @Auth() auth: AuthPrincipal,
    @Param('userId') userId: string,
    @Query() query: Record<string, unknown>,
  ): Promise<string> {
    if (auth.kind !== 'product') throw Errors.forbidden('This endpoint is for product keys');
    if (!UUID_RE.test(userId)) throw Errors.validation('Request validation failed', [{ field: 'userId', message: 'userId must be a UUID' }]);
    let teamId: string | undefined;
    for (const name in query) {
      if (name !== 'teamId') throw Errors.validation('Request validation failed', [{ field: name, message: `property ${name} should not exist` }]);
      const value = query.teamId;
      if (typeof value !== 'string' || !UUID_RE.test(value)) {
        throw Errors.validation('Request validation failed', [{ field: 'teamId', message: 'teamId must be a UUID' }]);
      }
      teamId = value;
    }
    // JSON text, sent as is (content-type set above): no parse/serialise on the hot path.
    return this.details.getJson(auth, userId.toLowerCase(), teamId?.toLowerCase());
  }
}
