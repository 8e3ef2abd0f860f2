import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { AuditCoreModule } from '@avn/audit';
import { CacheModule, CacheStore } from '@avn/cache';
import { AllExceptionsFilter, AuthGuard, HotRoutes } from '@avn/common';
import { AppConfig, ConfigModule } from '@avn/config';
import { CryptoModule } from '@avn/crypto';
import { DatabaseHandle, DatabaseModule } from '@avn/database';
import { buildLoggerOptions, MetricsService } from '@avn/observability';
import { UserDetailsCoreModule } from '@avn/user-details';
import { BootstrapModule } from './bootstrap/bootstrap.module';
import { featureModules } from './feature-modules';
import { HotRoutesModule } from './http/hot-routes.module';
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
        CryptoModule,
        AuditCoreModule,
        UserDetailsCoreModule,
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
