import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@avn/config';
import { AuditAnchors } from './audit-anchors';

/**
 * Runs the anchor pass every AUDIT_CHECKPOINT_MAX_LAG_SECONDS / 2, so an event is covered by a signed
 * checkpoint and an anchor within the lag (plus one pass's duration). Every instance runs the timer;
 * the pass itself takes an advisory lock, so one instance works at a time. Stopped by shutdown.
 */
@Injectable()
export class AuditAnchorScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AuditAnchorScheduler.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopped = false;

  constructor(
    private readonly config: AppConfig,
    private readonly anchors: AuditAnchors,
  ) {}

  get enabled(): boolean {
    return this.config.AUDIT_ANCHOR_JOB === 'on' || (this.config.AUDIT_ANCHOR_JOB === 'auto' && this.config.NODE_ENV !== 'test');
  }

  onApplicationBootstrap(): void {
    if (this.enabled) this.arm();
  }

  private arm(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick().finally(() => this.arm()), (this.config.AUDIT_CHECKPOINT_MAX_LAG_SECONDS * 1000) / 2);
    this.timer.unref();
  }

  /** One pass unless one is still running in this process. */
  tick(): Promise<unknown> {
    this.running ??= this.anchors
      .run()
      .then((r) => {
        if (r.checkpointed || r.anchored)
          this.logger.log(`audit anchors: ${r.checkpointed} checkpoints signed, ${r.anchored} anchors written`);
      })
      .catch((e: unknown) => this.logger.error(`audit anchor pass failed: ${e instanceof Error ? e.message : String(e)}`))
      .finally(() => (this.running = undefined));
    return this.running;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.beforeApplicationShutdown();
  }
}
