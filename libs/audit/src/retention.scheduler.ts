import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@avn/config';
import { RetentionService } from './retention.service';

/** Runs retention every RETENTION_JOB_INTERVAL_MINUTES in the API process (unref'd timer). */
@Injectable()
export class RetentionScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RetentionScheduler.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly config: AppConfig,
    private readonly retention: RetentionService,
  ) {}

  get enabled(): boolean {
    return this.config.RETENTION_JOB !== 'off';
  }

  onApplicationBootstrap(): void {
    if (!this.enabled) return;
    this.timer = setInterval(() => this.tick(), this.config.RETENTION_JOB_INTERVAL_MINUTES * 60_000);
    this.timer.unref();
  }

  /** One run unless the previous one is still going (a slow archive must not pile up). */
  tick(): Promise<unknown> {
    this.running ??= this.retention
      .run()
      .catch((e: unknown) => this.logger.error(`retention run failed: ${e instanceof Error ? e.message : String(e)}`))
      .finally(() => (this.running = undefined));
    return this.running;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
