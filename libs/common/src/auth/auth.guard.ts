import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { isUuid } from '../uuid';
import { Errors } from '../errors/domain-error';
import { RequestContext } from '../request-context';
import type { Actor, UserActor } from './actor';
import type { UserPrincipal } from './auth-principal';
import { AccessTokenVerifier, ProductKeyVerifier, UserAccessReader } from './auth-providers';
import { ActorRequest, AUTH_METADATA, AuthRequirement } from './authenticated.decorator';

const PRODUCT_KEY_PREFIX = 'avn_pk_';

interface GuardedRequest extends ActorRequest {
  headers: Record<string, string | string[] | undefined>;
  params?: Record<string, string>;
  query?: Record<string, unknown>;
}

/** Where the route names its team: absent (no team), or a valid id, or a value that names nothing. */
type NamedTeam = { kind: 'none' } | { kind: 'id'; teamId: string } | { kind: 'invalid'; from: 'path' | 'query'; name: string };

/**
 * The one global guard, and the only place authorization is decided. It reads the route's
 * `@Authenticated` requirement, verifies the bearer credential (user JWT or product key), resolves
 * the Actor in one read (platform-admin flag and, for a route that names a team, membership and
 * privileges there), enforces the requirement, and attaches the Actor to the request (for
 * `@CurrentActor()`) and to the RequestContext (for audit attribution). Across tenants it answers
 * 404, never 403, so team ids cannot be probed.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly accessTokens: AccessTokenVerifier,
    private readonly productKeys: ProductKeyVerifier,
    private readonly access: UserAccessReader,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    // Only HTTP reaches Nest's guards: gRPC is served by grpc-js outside Nest (UserDirectoryGrpcServer
    // checks its own product key). Any other transport would be unguarded, so it is refused.
    if (context.getType() !== 'http') return false;
    const requirement =
      this.reflector.getAllAndOverride<AuthRequirement | undefined>(AUTH_METADATA, [context.getHandler(), context.getClass()]) ?? {};
    const request = context.switchToHttp().getRequest<GuardedRequest>();
    if (requirement.public) return true;

    const token = bearerToken(request.headers.authorization);
    if (!token) {
      if (requirement.optional) return true;
      throw Errors.unauthenticated();
    }

    const actor = await this.resolveActor(token, requirement, request);
    request.actor = actor;
    const ctx = RequestContext.current();
    if (ctx) ctx.actor = actor;
    return true;
  }

  private async resolveActor(token: string, requirement: AuthRequirement, request: GuardedRequest): Promise<Actor> {
    if (token.startsWith(PRODUCT_KEY_PREFIX)) {
      const principal = await this.productKeys.verify(token);
      if (!principal) throw Errors.unauthenticated('Unknown or revoked product key');
      if (!requirement.product) throw Errors.forbidden('Product keys cannot call this endpoint');
      return principal; // product routes are scoped by their service
    }
    const principal = await this.accessTokens.verify(token);
    if (!principal) throw Errors.unauthenticated('Invalid or expired access token');
    if (requirement.user === false) throw Errors.forbidden('This endpoint is for product keys');
    return this.authorizeUser(principal, requirement, request);
  }

  private async authorizeUser(principal: UserPrincipal, requirement: AuthRequirement, request: GuardedRequest): Promise<UserActor> {
    const named = requirement.privilege ? namedTeam(requirement, request) : ({ kind: 'none' } as const);
    const access = await this.access.read(principal.userId, named.kind === 'id' ? named.teamId : undefined);
    const actor: UserActor = { ...principal, platformAdmin: access.platformAdmin, ...(access.team ? { team: access.team } : {}) };
    if (actor.platformAdmin) return actor;
    if (!requirement.privilege) {
      if (requirement.platformAdmin) throw Errors.forbidden('Platform admin only');
      return actor;
    }

    if (named.kind === 'none') {
      if (requirement.teamQuery) {
        const field = requirement.teamQuery;
        throw Errors.validation(`${field} is required`, [{ field, message: `${field} is required unless you are a platform admin` }]);
      }
      throw Errors.notFound('Team');
    }
    if (named.kind === 'invalid') {
      // A query value is input to validate (400); a path segment that cannot be an id names no team (404).
      if (named.from === 'query')
        throw Errors.validation('Request validation failed', [{ field: named.name, message: `${named.name} must be a UUID` }]);
      throw Errors.notFound('Team');
    }
    if (!actor.team) throw Errors.notFound('Team');
    if (!actor.team.owner && !actor.team.privileges.has(requirement.privilege)) throw Errors.forbidden();
    return actor;
  }
}

function namedTeam(requirement: AuthRequirement, request: GuardedRequest): NamedTeam {
  if (requirement.teamQuery) {
    const name = requirement.teamQuery;
    const value = request.query?.[name];
    if (value === undefined) return { kind: 'none' };
    return isUuid(value) ? { kind: 'id', teamId: value.toLowerCase() } : { kind: 'invalid', from: 'query', name };
  }
  const name = requirement.teamParam ?? 'teamId';
  const value = request.params?.[name];
  if (value === undefined || value === '') return { kind: 'none' };
  return isUuid(value) ? { kind: 'id', teamId: value.toLowerCase() } : { kind: 'invalid', from: 'path', name };
}

function bearerToken(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(value);
  return match?.[1];
}
