import { Logger } from '@nestjs/common';
import nodemailer, { Transporter } from 'nodemailer';
import { MailDeliveryError, MailMessage, MailTransport } from './mail-message';

/** Delivers through an SMTP server (SMTP_URL). Never logs bodies: they can carry one-time links. */
export class SmtpMailTransport extends MailTransport {
  readonly kind = 'smtp' as const;
  private readonly transporter: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
  ) {
    super();
    const url = new URL(smtpUrl);
    this.transporter = nodemailer.createTransport({
      host: url.hostname,
      port: url.port ? Number(url.port) : url.protocol === 'smtps:' ? 465 : 587,
      secure: url.protocol === 'smtps:',
      auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
      // Bounded so a hung server cannot hold a claimed row past its lease (see MailOutbox).
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
      // Mail content is sensitive; nodemailer's own logger stays off.
      logger: false,
      debug: false,
    });
  }

  async send(message: MailMessage & { id: string }): Promise<void> {
    try {
      await this.transporter.sendMail({
        from: this.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        messageId: `<${message.id}@aventian>`,
      });
    } catch (error) {
      const e = error as { responseCode?: number; code?: string; message?: string };
      const permanent = typeof e.responseCode === 'number' && e.responseCode >= 500 && e.responseCode < 600;
      // Keep only the SMTP reply / error code: no message content.
      const reason = e.responseCode ? `SMTP ${e.responseCode}` : (e.code ?? 'SMTP error');
      throw new MailDeliveryError(`${reason}: ${(e.message ?? '').slice(0, 200)}`, permanent);
    }
  }

  async close(): Promise<void> {
    this.transporter.close();
  }
}

/**
 * Embedded default (no SMTP_URL): the mail is written to the log, body included, so a local user
 * can follow an invitation link. Only used when no SMTP server is configured.
 */
export class LogMailTransport extends MailTransport {
  readonly kind = 'log' as const;
  private readonly logger = new Logger('Mail');

  async send(message: MailMessage & { id: string }): Promise<void> {
    this.logger.log(`mail ${message.id} to ${message.to}: ${message.subject}\n${message.text}`);
  }

  async close(): Promise<void> {}
}
