import { Global, Logger, Module } from '@nestjs/common';
import { AppConfig } from '@avn/config';
import { MailTransport } from './mail-message';
import { MailOutbox } from './mail-outbox';
import { LogMailTransport, SmtpMailTransport } from './transports';

/** Global: any module that sends mail injects MailOutbox and enqueues inside its own transaction. */
@Global()
@Module({
  providers: [
    {
      provide: MailTransport,
      inject: [AppConfig],
      useFactory: (config: AppConfig): MailTransport => {
        if (config.SMTP_URL) return new SmtpMailTransport(config.SMTP_URL, config.MAIL_FROM);
        new Logger('Mail').log('SMTP_URL not set: outgoing mail is written to the log');
        return new LogMailTransport();
      },
    },
    MailOutbox,
  ],
  exports: [MailOutbox],
})
export class MailModule {}
