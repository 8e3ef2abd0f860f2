import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';
import { Errors } from '../errors/domain-error';
import type { Actor, ProductActor, UserActor } from './actor';

export const AUTH_METADATA = 'avn:auth';

export interface AuthRequirement {
  /** No credentials needed. */
  public?: boolean;
  /** Credentials are used when present, not required (e.g. accepting an invitation as a new user). */
  optional?: boolean;
  /** Accept a signed-in user (default true). */
  user?: boolean;
  /** Accept a product key (default false). */
  product?: boolean;
  /** Only platform admins (unless `privilege` is also set, then: that privilege in the team, or platform admin). */
  platformAdmin?: boolean;
  /** Team privilege needed in the team named by the route parameter `teamParam` (default 'teamId'). */
  privilege?: string;
  teamParam?: string;
  /**
   * Name the team with this query parameter instead of a path parameter. Without it only a platform
   * admin passes (the whole platform); anyone else gets 400 naming the parameter.
   */
  teamQuery?: string;
}

/**
 * Declares what a route needs; the one global AuthGuard enforces it. A route without this decorator
 * (or @Public) requires a signed-in user: deny by default.
 */
export const Authenticated = (requirement: Omit<AuthRequirement, 'public'> = {}) =>
  applyDecorators(SetMetadata(AUTH_METADATA, requirement), ApiBearerAuth());

export const Public = () => SetMetadata(AUTH_METADATA, { public: true } satisfies AuthRequirement);

/** The request property the AuthGuard attaches the Actor to. */
export interface ActorRequest {
  actor?: Actor;
}

const actorOf = (ctx: ExecutionContext): Actor | undefined => ctx.switchToHttp().getRequest<ActorRequest>().actor;

/**
 * The request's Actor, as the guard resolved it. Undefined only on `@Public()` routes and on
 * `@Authenticated({ optional: true })` routes called without credentials.
 */
export const CurrentActor = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor | undefined => actorOf(ctx));

/** The signed-in user acting (401 when the request carries none: a route misdeclared, never a pass). */
export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): UserActor => {
  const actor = actorOf(ctx);
  if (actor?.kind !== 'user') throw Errors.unauthenticated();
  return actor;
});

/** The product whose key is calling (403 for anything else). */
export const CurrentProduct = createParamDecorator((_: unknown, ctx: ExecutionContext): ProductActor => {
  const actor = actorOf(ctx);
  if (actor?.kind !== 'product') throw Errors.forbidden('This endpoint is for product keys');
  return actor;
});
