import pino from 'pino';
import { Writable } from 'node:stream';
import { REDACT_PATHS, redactUrl } from './logger-options';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { logger: pino({ redact: { paths: REDACT_PATHS, censor: '[REDACTED]' } }, stream), lines };
}

describe('log redaction', () => {
  it('never writes credentials, passwords, tokens or connection strings', () => {
    const { logger, lines } = capture();
    logger.info({
      req: { headers: { authorization: 'Bearer eyJhbGciOi.secret', cookie: 'sid=abc' } },
      body: { password: 'hunter2hunter2', currentPassword: 'old-secret', refreshToken: 'rt-secret', token: 'inv-secret' },
      subscription: { connectionString: 'postgres://u:pw@db/x' },
      apiKey: { key: 'avn_pk_secret' },
    });
    const out = lines.join('');
    for (const secret of [
      'eyJhbGciOi',
      'sid=abc',
      'hunter2',
      'old-secret',
      'rt-secret',
      'inv-secret',
      'postgres://u:pw',
      'avn_pk_secret',
    ]) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain('[REDACTED]');
  });

  it('masks invitation tokens and OAuth codes in logged URLs', () => {
    expect(redactUrl('/v1/invitations/abcDEF123/accept')).toBe('/v1/invitations/[REDACTED]/accept');
    expect(redactUrl('/v1/auth/oidc/google/callback?code=xyz&state=s1&x=1')).toBe(
      '/v1/auth/oidc/google/callback?code=[REDACTED]&state=[REDACTED]&x=1',
    );
    expect(redactUrl('/v1/teams')).toBe('/v1/teams');
  });
});
