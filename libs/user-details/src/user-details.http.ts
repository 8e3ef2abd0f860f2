import { Injectable, Logger, OnModuleInit, Optional } from '@nestjs/common';
import { getSchemaPath } from '@nestjs/swagger';
import type { OpenAPIObject } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AccessTokenVerifier, Errors, HotRoutes, mapError, isUuid } from '@avn/common';
import { UserDetailsResponseDto } from './user-details.dto';
import { UserDetailsService } from './user-details.service';

export const USER_DETAILS_PATH = '/v1/users/:userId/details';
/** The raw URLs that route resolves (one path segment for the id, optional query). */
const USER_DETAILS_URL = /^\/v1\/users\/[^/?#]+\/details(?:\?|$)/;

/**
 * GetUserDetails over REST, registered as a hot route (the API's fast lane, same port): it is the
 * call every product backend makes on every request of its own, so it skips the Nest pipeline
 * (middleware, guard, interceptor, pipes) and the per-request access log (it is counted in /metrics
 * instead), and does only what it needs with the same semantics: product key (401 unknown/revoked, 403 for a user token), UUID
 * parameters, no unknown query fields (400), the contract's error shape with the request id.
 * Security headers (helmet) and the latency histogram still apply (root Fastify hooks).
 */
@Injectable()
export class UserDetailsHttpRoute implements OnModuleInit {
  private readonly logger = new Logger('UserDetailsHttp');

  constructor(
    private readonly accessTokens: AccessTokenVerifier,
    private readonly details: UserDetailsService,
    @Optional() private readonly hotRoutes?: HotRoutes, // absent in the CLI (no HTTP server)
  ) {}

  onModuleInit(): void {
    this.hotRoutes?.get(
      USER_DETAILS_PATH,
      (url) => USER_DETAILS_URL.test(url),
      (request, reply) => this.handle(request, reply),
    );
  }

  private async handle(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    try {
      const token = bearer(request.headers.authorization);
      if (!token) throw Errors.unauthenticated();
      if (!token.startsWith('avn_pk_')) throw await this.userTokenError(token);
      const { userId } = request.params as { userId: string };
      if (!isUuid(userId)) throw invalid('userId', 'userId must be a UUID');
      let teamId: string | undefined;
      const query = request.query as Record<string, unknown>;
      for (const name in query) {
        if (name !== 'teamId') throw invalid(name, `property ${name} should not exist`);
        if (typeof query.teamId !== 'string' || !isUuid(query.teamId)) throw invalid('teamId', 'teamId must be a UUID');
        teamId = query.teamId.toLowerCase();
      }
      const json = await this.details.getJsonForKey(token, userId.toLowerCase(), teamId);
      // Returned, not awaited: awaiting a reply waits for the response to finish (one more listener).
      return reply.header('content-type', 'application/json; charset=utf-8').header('cache-control', 'no-store').send(json);
    } catch (error) {
      const mapped = mapError(error, String(request.id));
      if (mapped.unexpected) this.logger.error({ err: error, requestId: request.id }, 'unhandled error');
      for (const [name, value] of Object.entries(mapped.headers ?? {})) reply.header(name, value);
      return reply.status(mapped.body.statusCode).send(mapped.body);
    }
  }

  /** A valid user token is authenticated but not allowed here (403); anything else is 401. */
  private async userTokenError(token: string) {
    const user = await this.accessTokens.verify(token);
    return user ? Errors.forbidden('This endpoint is for product keys') : Errors.unauthenticated('Invalid or expired access token');
  }
}

function bearer(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  return value ? /^Bearer\s+(\S+)\s*$/i.exec(value)?.[1] : undefined;
}

function invalid(field: string, message: string) {
  return Errors.validation('Request validation failed', [{ field, message }]);
}

/** The route's OpenAPI description (it is not a Nest controller, so Swagger cannot discover it). */
export function addUserDetailsOpenApi(document: OpenAPIObject): void {
  const error = { description: 'Error body {statusCode, error, message, requestId, details?}' };
  document.paths['/v1/users/{userId}/details'] = {
    get: {
      operationId: 'GetUserDetails',
      tags: ['runtime'],
      summary: 'GetUserDetails: teams, roles and privileges of a user for the calling product (product key)',
      security: [{ bearer: [] }],
      parameters: [
        { name: 'userId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
        { name: 'teamId', in: 'query', required: false, description: 'Only this team', schema: { type: 'string', format: 'uuid' } },
      ],
      responses: {
        '200': {
          description: 'The user and their teams for the calling product',
          content: { 'application/json': { schema: { $ref: getSchemaPath(UserDetailsResponseDto) } } },
        },
        '400': error,
        '401': error,
        '403': error,
        '404': { description: 'Unknown user' },
      },
    },
  };
}

export const USER_DETAILS_OPENAPI_MODELS = [UserDetailsResponseDto];
