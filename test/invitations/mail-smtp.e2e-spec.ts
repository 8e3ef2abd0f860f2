import { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { MailOutbox } from '@avn/mail';
import { startTestApp, TestApp } from '@avn/testing';
import { bearer, signUp, SignedUp, uniqueEmail } from './helpers';

interface Received {
  from: string;
  to: string[];
  raw: string;
}

/** A real SMTP server on a fixed port that can be stopped and started again. */
class TestSmtp {
  readonly received: Received[] = [];
  private server?: SMTPServer;
  port = 0;

  async start(): Promise<void> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          this.received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks).toString('utf8'),
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server as unknown as { server: { address(): AddressInfo } }).server.address().port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Quoted-printable soft line breaks would split the link; undo them before searching the raw mail. */
const unfold = (raw: string) => raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');

describe('mail outbox over SMTP', () => {
  const smtp = new TestSmtp();
  let t: TestApp;
  let owner: SignedUp;
  let outbox: MailOutbox;

  beforeAll(async () => {
    await smtp.start();
    t = await startTestApp({
      env: {
        SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
        MAIL_FROM: 'Aventian <noreply@aventian.test>',
        MAIL_DISPATCH_INTERVAL_MS: '0',
        PUBLIC_URL: 'https://cp.example.test',
      },
    });
    owner = await signUp(t, 'owner');
    outbox = t.api.app.get(MailOutbox);
  });
  afterAll(async () => {
    await t?.close();
    await smtp.stop();
  });

  it('delivers the invitation e-mail with the accept link', async () => {
    const email = uniqueEmail('invitee');
    const { body } = await t.http
      .post(`/v1/teams/${owner.teamId}/invitations`)
      .set(bearer(owner.accessToken))
      .send({ email, roles: [] })
      .expect(201);
    expect(await outbox.dispatchPending()).toEqual({ sent: 1, retried: 0, failed: 0 });

    const mail = smtp.received.find((m) => m.to.includes(email));
    expect(mail).toBeDefined();
    expect(mail!.from).toBe('noreply@aventian.test');
    expect(unfold(mail!.raw)).toContain(`https://cp.example.test/v1/invitations/${body.token}/accept`);
    const [row] = await t.db.query<{ status: string; attempts: number; body_text: string }>(
      `SELECT status, attempts, body_text FROM aventian.tbl_mail_outbox WHERE to_address = $1`,
      [email],
    );
    expect(row).toEqual({ status: 'sent', attempts: 1, body_text: '' });
  });

  it('keeps mail pending while the SMTP server is down and delivers it once it is back', async () => {
    await smtp.stop();
    const email = uniqueEmail('later');
    const { body } = await t.http
      .post(`/v1/teams/${owner.teamId}/invitations`)
      .set(bearer(owner.accessToken))
      .send({ email, roles: [] })
      .expect(201);

    expect(await outbox.dispatchPending()).toEqual({ sent: 0, retried: 1, failed: 0 });
    const select = () =>
      t.db.queryOne<{ status: string; attempts: number; last_error: string | null; due_in: number }>(
        `SELECT status, attempts, last_error, extract(epoch FROM next_attempt_at - now())::float AS due_in
         FROM aventian.tbl_mail_outbox WHERE to_address = $1`,
        [email],
      );
    const failed = await select();
    expect(failed).toMatchObject({ status: 'pending', attempts: 1, last_error: expect.stringMatching(/ECONNREFUSED|ESOCKET|ECONNECTION/) });
    expect(failed!.due_in).toBeGreaterThan(5); // backed off, not retried in a tight loop
    // Not due yet: a dispatch now does nothing.
    expect(await outbox.dispatchPending()).toEqual({ sent: 0, retried: 0, failed: 0 });

    await smtp.start(); // same port
    // Make the backed-off row due (instead of waiting for the backoff).
    await t.db.query(`UPDATE aventian.tbl_mail_outbox SET next_attempt_at = now() WHERE to_address = $1`, [email]);
    expect(await outbox.dispatchPending()).toEqual({ sent: 1, retried: 0, failed: 0 });
    const sent = await select();
    expect(sent).toMatchObject({ status: 'sent', attempts: 2, last_error: null });
    const mail = smtp.received.find((m) => m.to.includes(email));
    expect(unfold(mail!.raw)).toContain(`/v1/invitations/${body.token}/accept`);
  });

  it('never sends one mail twice when two dispatchers race (SKIP LOCKED claims)', async () => {
    const second = await startTestApp({
      database: t.database,
      env: { SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, MAIL_DISPATCH_INTERVAL_MS: '0' },
    });
    try {
      const addresses = Array.from({ length: 30 }, (_, i) => uniqueEmail(`bulk${i}`));
      await t.db.transaction(async () => {
        for (const to of addresses) await outbox.enqueue({ to, subject: 'Bulk', text: 'hello' });
      });
      const reports = await Promise.all([outbox.dispatchPending(), second.api.app.get(MailOutbox).dispatchPending()]);
      expect(reports[0].sent + reports[1].sent).toBe(30);
      for (const to of addresses) expect(smtp.received.filter((m) => m.to.includes(to))).toHaveLength(1);
    } finally {
      await second.close();
    }
  });

  it('writes nothing when the enclosing transaction rolls back', async () => {
    const to = uniqueEmail('ghost');
    await expect(
      t.db.transaction(async () => {
        await outbox.enqueue({ to, subject: 'Never', text: 'never sent' });
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    expect(await t.db.query(`SELECT 1 FROM aventian.tbl_mail_outbox WHERE to_address = $1`, [to])).toHaveLength(0);
  });
});
