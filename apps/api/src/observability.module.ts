import { DynamicModule, Global, Module } from '@nestjs/common';
import { MetricsService } from '@avn/observability';

/** Provides the instance's MetricsService (created before Nest so the cache can report reads to it). */
@Global()
@Module({})
export class ObservabilityModule {
  static forRoot(metrics: MetricsService): DynamicModule {
    return { module: ObservabilityModule, providers: [{ provide: MetricsService, useValue: metrics }], exports: [MetricsService] };
  }
}
