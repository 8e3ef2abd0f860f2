/** One entry of `details` in the error body. */
export interface ErrorDetail {
  field?: string;
  message: string;
  [key: string]: unknown;
}

/**
 * An error the application means to report. The exception filter turns it into the contract's
 * error shape; anything else becomes a generic 500. `code` is stable and machine-readable.
 */
export class DomainError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: ErrorDetail[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/** Retry-After of a 503 for an unreachable dependency: long enough not to hammer it, short enough to notice recovery. */
export const DEPENDENCY_RETRY_AFTER_SECONDS = 5;

/** Constructors for the error kinds of the contract (see "Errors" in api-v1.md). */
export const Errors = {
  validation: (message = 'Request validation failed', details?: ErrorDetail[]) =>
    new DomainError(400, 'VALIDATION_FAILED', message, details),
  unauthenticated: (message = 'Authentication required') => new DomainError(401, 'UNAUTHENTICATED', message),
  forbidden: (message = 'You do not have the privilege for this action') => new DomainError(403, 'FORBIDDEN', message),
  /** Also used for objects of tenants the caller may not see: never 403 across tenants. */
  notFound: (what = 'Resource') => new DomainError(404, 'NOT_FOUND', `${what} not found`),
  conflict: (code: string, message: string) => new DomainError(409, code, message),
  unprocessable: (code: string, message: string, details?: ErrorDetail[]) => new DomainError(422, code, message, details),
  tooManyRequests: (retryAfterSeconds: number, message = 'Too many requests') =>
    new DomainError(429, 'RATE_LIMITED', message, undefined, { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) }),
  /** A dependency the request needs cannot be reached: 503 naming it (never its address), with Retry-After. */
  unavailable: (dependency: string, retryAfterSeconds = DEPENDENCY_RETRY_AFTER_SECONDS) =>
    new DomainError(
      503,
      'DEPENDENCY_UNAVAILABLE',
      `A dependency is unavailable: ${dependency}`,
      [{ dependency, message: `${dependency} unavailable` }],
      { 'Retry-After': String(retryAfterSeconds) },
    ),
};
