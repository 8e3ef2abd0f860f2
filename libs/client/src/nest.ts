import {
  applyDecorators,
  CanActivate,
  createParamDecorator,
  DynamicModule,
  ExecutionContext,
  Global,
  HttpException,
  Inject,
  Injectable,
  Module,
  SetMetadata,
  UseGuards,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AventianAuthorizer, AventianAuthOptions } from './authorizer';
import { AccessDeniedError } from './errors';
import type { AuthorizedUser } from './types';

/** Injection token of the AventianAuthorizer (also usable directly in services). */
export const AVENTIAN_AUTHORIZER = Symbol('AVENTIAN_AUTHORIZER');
const PRIVILEGE_METADATA = 'aventian:privilege';

interface RequestLike {
  headers: Record<string, string | string[] | undefined>;
  aventian?: AuthorizedUser;
}

/**
 * Verifies the caller's access token and requires the route's privilege (see RequirePrivilege) in
 * the token's active team, through GetUserDetails. Routes without RequirePrivilege pass untouched.
 */
@Injectable()
export class AventianGuard implements CanActivate {
  constructor(
    @Inject(AVENTIAN_AUTHORIZER) private readonly authorizer: AventianAuthorizer,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const privilege = this.reflector.getAllAndOverride<string | undefined>(PRIVILEGE_METADATA, [context.getHandler(), context.getClass()]);
    if (privilege === undefined) return true;
    const request = context.switchToHttp().getRequest<RequestLike>();
    try {
      request.aventian = await this.authorizer.authorize(request.headers.authorization, privilege || undefined);
      return true;
    } catch (error) {
      if (error instanceof AccessDeniedError) {
        throw new HttpException({ statusCode: error.status, error: error.code, message: error.message }, error.status);
      }
      throw error;
    }
  }
}

/**
 * `@RequirePrivilege('orders:write')` on a handler or controller: a signed-in user holding that
 * privilege (for this product) in their active team. `@RequirePrivilege()` = any member of a team
 * subscribed to this product.
 */
export const RequirePrivilege = (privilege = '') => applyDecorators(SetMetadata(PRIVILEGE_METADATA, privilege), UseGuards(AventianGuard));

/** The AuthorizedUser of the request (user id, active team, its roles and privileges). */
export const AventianUser = createParamDecorator((_: unknown, ctx: ExecutionContext): AuthorizedUser | undefined => {
  return ctx.switchToHttp().getRequest<RequestLike>().aventian;
});

/** `AventianModule.forRoot({ baseUrl, productKey })` once in the product's root module. */
@Global()
@Module({})
export class AventianModule {
  static forRoot(options: AventianAuthOptions): DynamicModule {
    return {
      module: AventianModule,
      providers: [{ provide: AVENTIAN_AUTHORIZER, useValue: new AventianAuthorizer(options) }, AventianGuard],
      exports: [AVENTIAN_AUTHORIZER, AventianGuard],
    };
  }
}
