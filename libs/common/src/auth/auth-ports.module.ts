import { DynamicModule, Global, Module, Type } from '@nestjs/common';
import type { ModuleMetadata } from '@nestjs/common';
import { AccessTokenVerifier, ProductKeyVerifier, UserAccessReader } from './auth-providers';

export interface AuthPortBindings {
  /** The modules that provide (and export) the implementations below. */
  imports: NonNullable<ModuleMetadata['imports']>;
  accessTokens: Type<AccessTokenVerifier>;
  productKeys: Type<ProductKeyVerifier>;
  userAccess: Type<UserAccessReader>;
}

/**
 * Binds the AuthGuard's ports to their implementations, in the composition root (apps/api), so
 * `common` never imports a feature library and the binding is written in one visible place.
 * Global because authentication is infrastructure: the guard and the hot GetUserDetails route
 * inject the ports wherever they are declared.
 */
@Global()
@Module({})
export class AuthPortsModule {
  static forRoot(bindings: AuthPortBindings): DynamicModule {
    const ports = [
      { provide: AccessTokenVerifier, useExisting: bindings.accessTokens },
      { provide: ProductKeyVerifier, useExisting: bindings.productKeys },
      { provide: UserAccessReader, useExisting: bindings.userAccess },
    ];
    return { module: AuthPortsModule, imports: bindings.imports, providers: ports, exports: ports.map((p) => p.provide) };
  }
}
