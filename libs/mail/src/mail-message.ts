/** One e-mail as the rest of the application hands it to the outbox. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

/** What a delivery attempt reports back to the dispatcher. */
export class MailDeliveryError extends Error {
  constructor(
    message: string,
    /** True when retrying cannot help (the server refused the message or recipient with a 5xx). */
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'MailDeliveryError';
  }
}

/**
 * Where mail leaves the system: SMTP in production, the log for the embedded default.
 * `send` throws MailDeliveryError on failure.
 */
export abstract class MailTransport {
  abstract readonly kind: 'smtp' | 'log';
  abstract send(message: MailMessage & { id: string }): Promise<void>;
  abstract close(): Promise<void>;
}
