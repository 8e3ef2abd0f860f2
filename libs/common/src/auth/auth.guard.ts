import { CanActivate, ExecutionContext, Injectable, Type } from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import { Errors } from '../errors/domain-error';
import { RequestContext } from '../request-context';
import type { AuthPrincipal, UserPrincipal } from './auth-principal';
import { AccessTokenVerifier, ProductKeyVerifier, TeamAccessChecker } from './auth-providers';
import { AUTH_METADATA, AuthRequirement } from './authenticated.decorator';
import { isUuid } from '@avn/database';

const PRODUCT_KEY_PREFIX = 'avn_pk_';

interface GuardedRequest {
  headers: Record<string, string | string[] | undefined>;
  params?: Record<string, string>;
  auth?: AuthPrincipal;
}

/**
 * The one global guard. Reads the route's @Authenticated requirement, verifies the bearer
 * credential (user JWT or product key) and checks platform-admin / team privileges.
 * Across tenants it answers 404, never 403, so team ids cannot be probed.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly resolved = new Map<Type<unknown>, unknown>();

  constructor(
    private readonly reflector: Reflector,
    private readonly moduleRef: ModuleRef,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true; // gRPC authenticates in its own handler
    const requirement =
      this.reflector.getAllAndOverride<AuthRequirement | undefined>(AUTH_METADATA, [context.getHandler(), context.getClass()]) ?? {};
    const request = context.switchToHttp().getRequest<GuardedRequest>();
    if (requirement.public) return true;

    const token = bearerToken(request.headers.authorization);
    if (!token) {
      if (requirement.optional) return true;
      throw Errors.unauthenticated();
    }

    const principal = await this.authenticate(token, requirement);
    request.auth = principal;
    const ctx = RequestContext.current();
    if (ctx) ctx.auth = principal;
    if (principal.kind === 'product') return true; // product routes are scoped by their service

    await this.authorizeUser(principal, requirement, request.params ?? {});
    return true;
  }

  private async authenticate(token: string, requirement: AuthRequirement): Promise<AuthPrincipal> {
    if (token.startsWith(PRODUCT_KEY_PREFIX)) {
      const verifier = this.provider(ProductKeyVerifier);
      const principal = verifier ? await verifier.verify(token) : null;
      if (!principal) throw Errors.unauthenticated('Unknown or revoked product key');
      if (!requirement.product) throw Errors.forbidden('Product keys cannot call this endpoint');
      return principal;
    }
    const verifier = this.provider(AccessTokenVerifier);
    const principal = verifier ? await verifier.verify(token) : null;
    if (!principal) throw Errors.unauthenticated('Invalid or expired access token');
    if (requirement.user === false) throw Errors.forbidden('This endpoint is for product keys');
    return principal;
  }

  private async authorizeUser(principal: UserPrincipal, requirement: AuthRequirement, params: Record<string, string>) {
    if (!requirement.platformAdmin && !requirement.privilege) return;
    const checker = this.provider(TeamAccessChecker);
    if (!checker) throw Errors.forbidden();
    principal.platformAdmin = await checker.isPlatformAdmin(principal.userId);
    if (principal.platformAdmin) return;
    if (!requirement.privilege) throw Errors.forbidden('Platform admin only');

    const teamId = params[requirement.teamParam ?? 'teamId'];
    if (!teamId || !isUuid(teamId)) throw Errors.notFound('Team');
    const access = await checker.teamAccess(principal.userId, teamId);
    if (!access.member) throw Errors.notFound('Team');
    if (access.privileges !== 'all' && !access.privileges.has(requirement.privilege)) throw Errors.forbidden();
  }

  private provider<T>(token: abstract new (...args: never[]) => T): T | undefined {
    const key = token as unknown as Type<unknown>;
    if (!this.resolved.has(key)) {
      let instance: unknown;
      try {
        instance = this.moduleRef.get(key, { strict: false });
      } catch {
        instance = undefined; // capability not installed in this build
      }
      this.resolved.set(key, instance);
    }
    return this.resolved.get(key) as T | undefined;
  }
}

function bearerToken(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(value);
  return match?.[1];
}
