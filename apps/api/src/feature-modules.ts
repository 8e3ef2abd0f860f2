import type { DynamicModule, Type } from '@nestjs/common';

/**
 * Capability modules served by the API. Each bounded context adds its one module here and
 * touches nothing else of the app: its module provides its controllers, services, repositories
 * and (globally) the auth abstractions it implements (AccessTokenVerifier, TeamAccessChecker, ...).
 */
export const featureModules: Array<Type<unknown> | DynamicModule> = [];
