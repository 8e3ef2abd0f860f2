import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { AuditCoreModule } from '@avn/audit';
import { CacheModule, CacheStore } from '@avn/cache';
import { AllExceptionsFilter, AuthGuard } from '@avn/common';
import { AppConfig, ConfigModule } from '@avn/config';
import { CryptoModule } from '@avn/crypto';
import { DatabaseHandle, DatabaseModule } from '@avn/database';
import { buildLoggerOptions, MetricsService } from '@avn/observability';
import { UserDetailsCoreModule } from '@avn/user-details';
import { BootstrapModule } from './bootstrap/bootstrap.module';
import { featureModules } from './feature-modules';
import { ObservabilityModule } from './observability.module';
import { OpsModule } from './ops/ops.module';

export interface AppResources {
  config: AppConfig;
  database: DatabaseHandle;
  cache: CacheStore;
  metrics: MetricsService;
}

@Module({})
export class AppModule {
  static forRoot({ config, database, cache, metrics }: AppResources): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(buildLoggerOptions(config)),
        ObservabilityModule.forRoot(metrics),
        DatabaseModule.forRoot(database),
        CacheModule.forRoot(cache),
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
