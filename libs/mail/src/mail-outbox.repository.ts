import { Injectable } from '@nestjs/common';
import { DatabaseService } from '@avn/database';

export interface OutboxRow {
  id: string;
  to_address: string;
  subject: string;
  body_text: string;
  body_html: string | null;
  attempts: number;
}

/** SQL for aventian.tbl_mail_outbox (platform-wide, no RLS). Bodies are cleared once a mail is done with. */
@Injectable()
export class MailOutboxRepository {
  constructor(private readonly db: DatabaseService) {}

  /** Joins the caller's transaction: the mail exists only if the change that sends it commits. */
  async insert(row: { id: string; to: string; subject: string; text: string; html: string | null }): Promise<void> {
    await this.db.query(
      `INSERT INTO aventian.tbl_mail_outbox (id, to_address, subject, body_text, body_html) VALUES ($1, $2, $3, $4, $5)`,
      [row.id, row.to, row.subject, row.text, row.html],
    );
  }

  /**
   * Claims up to `limit` due rows in one statement: FOR UPDATE SKIP LOCKED (instances never claim
   * the same row), the lease is next_attempt_at pushed `leaseSeconds` forward.
   */
  claimDue(limit: number, leaseSeconds: number): Promise<OutboxRow[]> {
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
      [limit, leaseSeconds],
    );
  }

  async markSent(id: string): Promise<void> {
    await this.db.query(
      `UPDATE aventian.tbl_mail_outbox SET status = 'sent', sent_at = now(), last_error = NULL, body_text = '', body_html = NULL WHERE id = $1`,
      [id],
    );
  }

  async markFailed(id: string, error: string): Promise<void> {
    await this.db.query(
      `UPDATE aventian.tbl_mail_outbox SET status = 'failed', last_error = $2, body_text = '', body_html = NULL WHERE id = $1`,
      [id, error],
    );
  }

  async scheduleRetry(id: string, error: string, delaySeconds: number): Promise<void> {
    await this.db.query(
      `UPDATE aventian.tbl_mail_outbox SET last_error = $2, next_attempt_at = now() + make_interval(secs => $3) WHERE id = $1`,
      [id, error, delaySeconds],
    );
  }
}
