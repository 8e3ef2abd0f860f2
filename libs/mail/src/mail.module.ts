import { Logger, Module } from '@nestjs/common';
import { AppConfig } from '@avn/config';
import { MailTransport } from './mail-message';
import { MailOutbox } from './mail-outbox';
import { MailOutboxRepository } from './mail-outbox.repository';
import { LogMailTransport, SmtpMailTransport } from './transports';

/** The outbox: a module that sends mail imports this and enqueues inside its own transaction. */
@Module({
  providers: [
    {
      provide: MailTransport,
      inject: [AppConfig],
      useFactory: (config: AppConfig): MailTransport => {
        if (config.SMTP_URL) return new SmtpMailTransport(config.SMTP_URL, config.MAIL_FROM);
        const logger = new Logger('Mail');
        if (config.NODE_ENV === 'production')
          logger.warn('SMTP_URL not set: outgoing mail, one-time links included, is written to the log');
        else logger.log('SMTP_URL not set: outgoing mail is written to the log');
        return new LogMailTransport();
      },
    },
    MailOutboxRepository,
    MailOutbox,
  ],
  exports: [MailOutbox],
})
export class MailModule {}
