import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '@avn/config';
import { newId } from '@avn/database';
import { MailDeliveryError, MailMessage, MailTransport } from './mail-message';
import { MailOutboxRepository, OutboxRow } from './mail-outbox.repository';

export interface DispatchReport {
  sent: number;
  retried: number;
  failed: number;
}

/** Claimed rows are invisible to other dispatchers this long; must exceed the SMTP timeouts. */
const LEASE_SECONDS = 300;
const BATCH_SIZE = 20;
/** Backoff 10 s, 20 s, 40 s ... capped at 1 h; about 4 days of retries before a mail is given up. */
const BACKOFF_BASE_SECONDS = 10;
const BACKOFF_MAX_SECONDS = 3600;
export const MAIL_MAX_ATTEMPTS = 100;

export function backoffSeconds(attempts: number): number {
  return Math.min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** Math.max(0, Math.min(attempts - 1, 20)));
}

/**
 * Transactional outbox for e-mail. `enqueue` joins the caller's transaction, so a mail exists if and
 * only if the change that sends it committed. The dispatcher (timer on every instance, or
 * `dispatchPending` directly) claims due rows with FOR UPDATE SKIP LOCKED, so instances never
 * claim the same row, and sends outside the transaction (a slow SMTP server holds no connection).
 * A failed send is retried with exponential backoff; nothing is lost while the server is down.
 * Bodies are cleared once a mail is sent or given up: they may hold one-time links.
 */
@Injectable()
export class MailOutbox implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(MailOutbox.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<DispatchReport>;
  private stopped = false;

  constructor(
    private readonly outbox: MailOutboxRepository,
    private readonly transport: MailTransport,
    private readonly config: AppConfig,
  ) {}

  async enqueue(message: MailMessage): Promise<{ id: string }> {
    const id = newId();
    await this.outbox.insert({ id, to: message.to, subject: message.subject, text: message.text, html: message.html ?? null });
    return { id };
  }

  onApplicationBootstrap(): void {
    const interval = this.config.MAIL_DISPATCH_INTERVAL_MS;
    if (interval <= 0) return;
    this.timer = setInterval(() => void this.tick(), interval);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
    await this.transport.close();
  }

  /** Delivers every mail that is due now; concurrent calls on one instance share the same run. */
  dispatchPending(): Promise<DispatchReport> {
    if (!this.running) {
      this.running = this.drain().finally(() => {
        this.running = undefined;
      });
    }
    return this.running;
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.dispatchPending();
    } catch (error) {
      this.logger.warn(`mail dispatch failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private async drain(): Promise<DispatchReport> {
    const report: DispatchReport = { sent: 0, retried: 0, failed: 0 };
    for (;;) {
      if (this.stopped) return report;
      const batch = await this.claim();
      for (const row of batch) await this.deliver(row, report);
      if (batch.length < BATCH_SIZE) return report;
    }
  }

  /** Claims due rows: one short statement, the lease is the pushed-forward next_attempt_at. */
  private claim(): Promise<OutboxRow[]> {
    return this.outbox.claimDue(BATCH_SIZE, LEASE_SECONDS);
  }

  private async deliver(row: OutboxRow, report: DispatchReport): Promise<void> {
    try {
      await this.transport.send({
        id: row.id,
        to: row.to_address,
        subject: row.subject,
        text: row.body_text,
        html: row.body_html ?? undefined,
      });
    } catch (error) {
      const permanent = error instanceof MailDeliveryError && error.permanent;
      const message = (error instanceof Error ? error.message : String(error)).slice(0, 500);
      if (permanent || row.attempts >= MAIL_MAX_ATTEMPTS) {
        report.failed++;
        this.logger.warn(`mail ${row.id} given up after ${row.attempts} attempt(s): ${message}`);
        await this.outbox.markFailed(row.id, message);
      } else {
        report.retried++;
        const delay = backoffSeconds(row.attempts);
        this.logger.warn(`mail ${row.id} attempt ${row.attempts} failed, retry in ${delay}s: ${message}`);
        await this.outbox.scheduleRetry(row.id, message, delay);
      }
      return;
    }
    report.sent++;
    await this.outbox.markSent(row.id);
  }
}
