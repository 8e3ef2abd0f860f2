import { Module } from '@nestjs/common';
import { HealthController } from './health.controller';
import { MetricsController } from './metrics.controller';
import { ServerState } from './server-state';

@Module({
  controllers: [HealthController, MetricsController],
  providers: [ServerState],
  exports: [ServerState],
})
export class OpsModule {}
