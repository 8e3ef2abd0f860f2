import { RequestMethod } from '@nestjs/common';
import type { Params } from 'nestjs-pino';
import type { AppConfig } from '@avn/config';

/** Paths pino replaces with [REDACTED]: credentials, tokens, passwords, connection strings. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.connectionString',
  '*.key',
  '*.secret',
  '*.clientSecret',
  '*.passwordHash',
  'err.config',
];

/** Secrets that travel in URL paths (invitation tokens) are masked in logged URLs. */
export function redactUrl(url: string | undefined): string | undefined {
  return url?.replace(/(\/invitations\/)[^/?]+(\/accept)/, '$1[REDACTED]$2').replace(/([?&](?:token|code|state)=)[^&]*/g, '$1[REDACTED]');
}

export function buildLoggerOptions(config: AppConfig): Params {
  return {
    // The GetUserDetails hot path is not access-logged (one line per product request would dominate
    // its cost); it is counted and timed in /metrics.
    exclude: [{ method: RequestMethod.GET, path: 'v1/users/:userId/details' }],
    pinoHttp: {
      level: config.LOG_LEVEL,
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      // Fastify assigns (and validates) the id; pino-http reuses it so logs and error bodies match.
      genReqId: (req) => (req as { id?: string }).id ?? '',
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
      // Unhandled errors are logged by the exception filter; the access log carries no error object.
      customErrorObject: (_req, _res, _err, val) => ({ ...val, err: undefined }),
      serializers: {
        req: (req: { id?: string; method?: string; url?: string; remoteAddress?: string }) => ({
          id: req.id,
          method: req.method,
          url: redactUrl(req.url),
          remoteAddress: req.remoteAddress,
        }),
        res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
      },
      autoLogging: { ignore: (req) => ['/health/live', '/health/ready', '/metrics'].includes((req.url ?? '').split('?')[0]) },
      quietReqLogger: true,
    },
  };
}
