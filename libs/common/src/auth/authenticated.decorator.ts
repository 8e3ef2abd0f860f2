import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';
import type { AuthPrincipal } from './auth-principal';

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
}

/**
 * Declares what a route needs; the one global AuthGuard enforces it. A route without this decorator
 * (or @Public) requires a signed-in user: deny by default.
 */
export const Authenticated = (requirement: Omit<AuthRequirement, 'public'> = {}) =>
  applyDecorators(SetMetadata(AUTH_METADATA, requirement), ApiBearerAuth());

export const Public = () => SetMetadata(AUTH_METADATA, { public: true } satisfies AuthRequirement);

/** The verified principal of the request (undefined on public routes without credentials). */
export const Auth = createParamDecorator((_: unknown, ctx: ExecutionContext): AuthPrincipal | undefined => {
  return ctx.switchToHttp().getRequest<{ auth?: AuthPrincipal }>().auth;
});
