import { DomainError, ErrorDetail } from '../errors/domain-error';
import { unavailableDependency } from '../errors/dependency-unavailable';

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  requestId: string;
  details?: ErrorDetail[];
}

const STATUS_CODES: Record<number, string> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE',
  429: 'RATE_LIMITED',
  503: 'DEPENDENCY_UNAVAILABLE',
};

export interface MappedError {
  body: ErrorBody;
  headers?: Record<string, string>;
  /** Unknown errors are logged (once) by the filter; known ones are not errors of ours. */
  unexpected: boolean;
}

interface HttpLikeError {
  getStatus(): number;
  getResponse(): unknown;
}
interface FastifyLikeError {
  statusCode?: number;
  code?: string;
  message?: string;
}

/**
 * Maps anything thrown to the contract's error body. Only DomainError, Nest HttpExceptions and
 * Fastify's own 4xx errors keep their message; everything else becomes a generic 500.
 */
export function mapError(error: unknown, requestId: string): MappedError {
  if (error instanceof DomainError) {
    return {
      body: { statusCode: error.status, error: error.code, message: error.message, requestId, details: error.details },
      headers: error.headers,
      unexpected: false,
    };
  }
  if (isHttpException(error)) {
    const status = error.getStatus();
    if (status >= 500) return internal(requestId);
    const response = error.getResponse();
    const message =
      typeof response === 'string'
        ? response
        : typeof (response as { message?: unknown }).message === 'string'
          ? (response as { message: string }).message
          : (STATUS_CODES[status] ?? 'Error').toLowerCase().replace(/_/g, ' ');
    return {
      body: { statusCode: status, error: STATUS_CODES[status] ?? 'ERROR', message: safeMessage(message), requestId },
      unexpected: false,
    };
  }
  const fastify = error as FastifyLikeError;
  if (fastify && typeof fastify.code === 'string' && fastify.code.startsWith('FST_') && fastify.statusCode && fastify.statusCode < 500) {
    const status = fastify.statusCode;
    const code = status === 400 ? 'VALIDATION_FAILED' : (STATUS_CODES[status] ?? 'BAD_REQUEST');
    const message =
      fastify.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || /JSON/i.test(fastify.message ?? '')
        ? 'Malformed JSON body'
        : status === 413
          ? 'Request body is too large'
          : status === 415
            ? 'Unsupported content type; send application/json'
            : 'Bad request';
    return { body: { statusCode: status, error: code, message, requestId }, unexpected: false };
  }
  // A dependency that cannot be reached (database down, cache down): 503 naming it, whichever route asked.
  const unavailable = unavailableDependency(error);
  if (unavailable) return mapError(unavailable, requestId);
  const pg = postgresError(error);
  if (pg) {
    // Domain rules enforced in the database (triggers) raise SQLSTATE AV422 with "CODE: message".
    if (pg.code === 'AV422') {
      const match = /^([A-Z][A-Z0-9_]+):\s*(.*)$/.exec(pg.message ?? '');
      return {
        body: { statusCode: 422, error: match?.[1] ?? 'UNPROCESSABLE', message: match?.[2] ?? 'Domain rule violated', requestId },
        unexpected: false,
      };
    }
    // Safety nets for races the services did not pre-check; no SQL or constraint names leak.
    if (pg.code === '23505')
      return { body: { statusCode: 409, error: 'CONFLICT', message: 'Already exists', requestId }, unexpected: false };
    if (pg.code === '40001' || pg.code === '40P01') {
      return { body: { statusCode: 409, error: 'CONFLICT', message: 'Concurrent update, retry', requestId }, unexpected: false };
    }
  }
  if (error instanceof SyntaxError && /JSON/.test(error.message)) {
    return { body: { statusCode: 400, error: 'VALIDATION_FAILED', message: 'Malformed JSON body', requestId }, unexpected: false };
  }
  return internal(requestId);
}

function postgresError(error: unknown): { code?: string; message?: string } | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const driver = (error as { driverError?: { code?: string; message?: string } }).driverError ?? error;
  const code = (driver as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? (driver as { code: string; message?: string }) : undefined;
}

function internal(requestId: string): MappedError {
  return {
    body: { statusCode: 500, error: 'INTERNAL_ERROR', message: 'Internal server error', requestId },
    unexpected: true,
  };
}

function isHttpException(error: unknown): error is HttpLikeError {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as HttpLikeError).getStatus === 'function' &&
    typeof (error as HttpLikeError).getResponse === 'function'
  );
}

/** Nest's built-in messages are safe, but cap their length and strip anything multi-line. */
function safeMessage(message: string): string {
  return message.split('\n')[0].slice(0, 300);
}
