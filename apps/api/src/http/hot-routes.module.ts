import { DynamicModule, Global, Module } from '@nestjs/common';
import { HotRoutes } from '@avn/common';

/** Provides the API's HotRoutes (absent in the CLI, which has no HTTP server). */
@Global()
@Module({})
export class HotRoutesModule {
  static forRoot(hotRoutes?: HotRoutes): DynamicModule {
    const providers = hotRoutes ? [{ provide: HotRoutes, useValue: hotRoutes }] : [];
    return { module: HotRoutesModule, providers, exports: providers.map((p) => p.provide) };
  }
}
