import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '@avn/config';
import { DatabaseService, newId } from '@avn/database';
import { MailDeliveryError, MailMessage, MailTransport } from './mail-message';

interface OutboxRow {
  id: string;
  to_address: string;
  subject: string;
  body_text: string;
  body_html: string | null;
  attempts: number;
}

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
    private readonly db: DatabaseService,
    private readonly transport: MailTransport,
    private readonly config: AppConfig,
  ) {}

  async enqueue(message: MailMessage): Promise<{ id: string }> {
    const id = newId();
    await this.db.query(
      `INSERT INTO aventian.tbl_mail_outbox (id, to_address, subject, body_text, body_html) VALUES ($1, $2, $3, $4, $5)`,
      [id, message.to, message.subject, message.text, message.html ?? null],
    );
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

  /** Claims due rows: one short transaction, the lease is the pushed-forward next_attempt_at. */
  private claim(): Promise<OutboxRow[]> {
    return this.db.query<OutboxRow>(
      `UPDATE aventian.tbl_mail_outbox o
          SET attempts = o.attempts + 1, next_attempt_at = now() + make_interval(secs => $2)
         FROM (SELECT id FROM aventian.tbl_mail_outbox
                WHERE status = 'pending' AND next_attempt_at <= now()
                ORDER BY next_attempt_at
                LIMIT $1
                FOR UPDATE SKIP LOCKED) due
        WHERE o.id = due.id
        RETURNING o.id, o.to_address, o.subject, o.body_text, o.body_html, o.attempts`,
      [BATCH_SIZE, LEASE_SECONDS],
    );
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
        await this.db.query(
          `UPDATE aventian.tbl_mail_outbox SET status = 'failed', last_error = $2, body_text = '', body_html = NULL WHERE id = $1`,
          [row.id, message],
        );
      } else {
        report.retried++;
        const delay = backoffSeconds(row.attempts);
        this.logger.warn(`mail ${row.id} attempt ${row.attempts} failed, retry in ${delay}s: ${message}`);
        await this.db.query(
          `UPDATE aventian.tbl_mail_outbox SET last_error = $2, next_attempt_at = now() + make_interval(secs => $3) WHERE id = $1`,
          [row.id, message, delay],
        );
      }
      return;
    }
    report.sent++;
    await this.db.query(
      `UPDATE aventian.tbl_mail_outbox SET status = 'sent', sent_at = now(), last_error = NULL, body_text = '', body_html = NULL WHERE id = $1`,
      [row.id],
    );
  }
}
