import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig, nextCronTime } from '@avn/config';
import { DATABASE_HANDLE, type DatabaseHandle, JOB_LOCKS, withJobLock } from '@avn/database';
import { MetricsService } from '@avn/observability';
import { backupTime, BackupService } from './backup.service';

export type ScheduledBackupOutcome = 'ok' | 'failed' | 'skipped_locked' | 'skipped_done';

const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Runs BACKUP_SCHEDULE (cron, UTC) in the API process. Every instance arms the timer; at each slot
 * one takes the backup advisory lock, and skips the slot when a backup at or after the slot's time
 * is already in the store (another instance ran it). Each instance reports the newest backup in the
 * store as `avn_backup_last_success_timestamp_seconds`, so any instance's scrape tells its age.
 * Stopped by shutdown: the timer is cleared and a running backup is awaited.
 */
@Injectable()
export class BackupScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(BackupScheduler.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<ScheduledBackupOutcome>;
  private stopped = false;
  private readonly lastSuccess;
  private readonly duration;
  private readonly failures;
  private readonly scheduled;

  constructor(
    private readonly config: AppConfig,
    private readonly backups: BackupService,
    private readonly metrics: MetricsService,
    @Inject(DATABASE_HANDLE) private readonly handle: DatabaseHandle,
  ) {
    this.lastSuccess = metrics.gauge('avn_backup_last_success_timestamp_seconds', 'Unix time of the newest backup in the object store');
    this.duration = metrics.histogram(
      'avn_backup_duration_seconds',
      'Duration of scheduled backups',
      [],
      [1, 5, 15, 60, 300, 900, 3600, 10800],
    );
    this.failures = metrics.counter('avn_backup_failures_total', 'Scheduled backups that failed');
    this.scheduled = metrics.gauge('avn_backup_schedule_enabled', '1 when BACKUP_SCHEDULE is set on this instance');
  }

  get enabled(): boolean {
    return this.config.BACKUP_SCHEDULE.trim() !== '' && this.handle.kind === 'postgres';
  }

  onApplicationBootstrap(): void {
    this.scheduled.set(this.enabled ? 1 : 0);
    if (this.config.BACKUP_SCHEDULE.trim() && this.handle.kind !== 'postgres')
      this.logger.warn('BACKUP_SCHEDULE is ignored with the embedded database (copy DATA_DIR while stopped)');
    if (!this.enabled) return;
    void this.refreshLastSuccess();
    this.arm();
  }

  /** Whether a timer is waiting for the next slot (false once shut down). */
  get armed(): boolean {
    return this.timer !== undefined && !this.stopped;
  }

  private arm(now = new Date()): void {
    if (this.stopped) return;
    const slot = nextCronTime(this.config.BACKUP_SCHEDULE, now);
    const delay = slot.getTime() - Date.now();
    // setTimeout holds at most ~24.8 days; a longer wait re-arms on the way.
    this.timer = setTimeout(
      () => (delay > MAX_TIMER_MS ? this.arm() : void this.runSlot(slot).finally(() => this.arm(slot))),
      Math.min(Math.max(delay, 0), MAX_TIMER_MS),
    );
    this.timer.unref();
  }

  /** One scheduled run for `slot` (at most one at a time in this process). */
  runSlot(slot: Date = new Date()): Promise<ScheduledBackupOutcome> {
    this.running ??= this.run(slot).finally(() => (this.running = undefined));
    return this.running;
  }

  private async run(slot: Date): Promise<ScheduledBackupOutcome> {
    const started = Date.now();
    try {
      const locked = await withJobLock(this.handle, JOB_LOCKS.backup, async () => {
        const latest = await this.backups.latest();
        // Stamps have second precision: a backup started within this slot's second counts as this slot's.
        if (latest && (backupTime(latest.key)?.getTime() ?? 0) >= Math.floor(slot.getTime() / 1000) * 1000) return undefined;
        return this.backups.backup();
      });
      if (!locked.acquired || !locked.value) {
        const outcome = locked.acquired ? 'skipped_done' : 'skipped_locked';
        this.logger.log(
          `scheduled backup ${outcome === 'skipped_done' ? 'already taken for this slot' : 'running on another instance'}: skipped`,
        );
        await this.refreshLastSuccess();
        return outcome;
      }
      const r = locked.value;
      const seconds = (Date.now() - started) / 1000;
      this.duration.observe(seconds);
      this.lastSuccess.set(Math.floor((backupTime(r.key) ?? new Date()).getTime() / 1000));
      const events = r.tables['aventian_audit.audit_events'] ?? 0;
      this.logger.log(
        `scheduled backup ok: ${r.key} bytes=${r.bytes} seconds=${seconds.toFixed(1)} audit_events=${events} pruned=${r.pruned.length}`,
      );
      return 'ok';
    } catch (error) {
      this.failures.inc();
      this.logger.error(`scheduled backup failed after ${((Date.now() - started) / 1000).toFixed(1)} s: ${(error as Error).message}`);
      return 'failed';
    }
  }

  private async refreshLastSuccess(): Promise<void> {
    try {
      const latest = await this.backups.latest();
      if (latest) this.lastSuccess.set(Math.floor((backupTime(latest.key) ?? latest.modifiedAt).getTime() / 1000));
    } catch (error) {
      this.logger.warn(`could not list backups: ${(error as Error).message}`);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.beforeApplicationShutdown();
  }
}
