import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { CacheModule, CacheStore } from '@avn/cache';
import { AllExceptionsFilter, AuthGuard, AuthPortsModule, HotRoutes } from '@avn/common';
import { AppConfig, ConfigModule } from '@avn/config';
import { CryptoModule } from '@avn/crypto';
import { DatabaseHandle, DatabaseModule } from '@avn/database';
import { IdentityModule, JwtAccessTokenVerifier } from '@avn/identity';
import { buildLoggerOptions, MetricsService } from '@avn/observability';
import { ProductKeyVerifierService, ProductsModule } from '@avn/products';
import { RbacModule, RbacUserAccessReader } from '@avn/rbac';
import { BootstrapModule } from './bootstrap/bootstrap.module';
import { featureModules } from './feature-modules';
import { HotRoutesModule } from './http/hot-routes.module';
import { KekChecksRepository } from './keys/kek-checks.repository';
import { ObservabilityModule } from './observability.module';
import { OpsModule } from './ops/ops.module';

export interface AppResources {
  config: AppConfig;
  database: DatabaseHandle;
  cache: CacheStore;
  metrics: MetricsService;
  /** The HTTP server's fast lane; absent without an HTTP server (CLI). */
  hotRoutes?: HotRoutes;
}

/**
 * The composition root. Global modules are infrastructure only (config, logging, metrics,
 * database, cache, the HTTP fast lane, crypto, the auth ports); every feature module imports the
 * feature modules it uses (see docs/architecture.md, "Module graph").
 */
@Module({})
export class AppModule {
  static forRoot({ config, database, cache, metrics, hotRoutes }: AppResources): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(buildLoggerOptions(config)),
        ObservabilityModule.forRoot(metrics),
        DatabaseModule.forRoot(database),
        CacheModule.forRoot(cache),
        HotRoutesModule.forRoot(hotRoutes),
        CryptoModule.withKeyChecks(KekChecksRepository),
        // The AuthGuard's ports, bound to their implementations (a missing one fails at start-up).
        AuthPortsModule.forRoot({
          imports: [IdentityModule, ProductsModule, RbacModule],
          accessTokens: JwtAccessTokenVerifier,
          productKeys: ProductKeyVerifierService,
          userAccess: RbacUserAccessReader,
        }),
        OpsModule,
        BootstrapModule,
        ...featureModules,
      ],
      providers: [
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
      ],
    };
  }
}
