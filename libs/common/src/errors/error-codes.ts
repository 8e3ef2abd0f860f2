/** One stable error code: the HTTP status it comes with and what it means. */
export interface ErrorCodeInfo {
  status: number;
  description: string;
  /** Raised by a database trigger or function (SQLSTATE AV422 "CODE: message", mapped to 422). */
  raisedBy?: 'database';
}

/** A library's error codes, by code (the `error` field of the error body). */
export type ErrorCodeCatalogue = Readonly<Record<string, ErrorCodeInfo>>;

/** The contract's generic codes, produced by `Errors`, the validation pipe and the one error mapping. */
export const COMMON_ERROR_CODES = {
  VALIDATION_FAILED: { status: 400, description: 'The request is malformed or fails validation; `details` names the fields.' },
  UNAUTHENTICATED: { status: 401, description: 'No credentials, or an invalid, expired or revoked token or product key.' },
  FORBIDDEN: { status: 403, description: 'Authenticated, but without the privilege (or the kind of credential) this needs.' },
  NOT_FOUND: { status: 404, description: 'No such object — also for objects of other tenants, never 403 across tenants.' },
  METHOD_NOT_ALLOWED: { status: 405, description: 'The route does not accept this method.' },
  NOT_ACCEPTABLE: { status: 406, description: 'No acceptable representation.' },
  CONFLICT: { status: 409, description: 'A concurrent change won (retry), or the object already exists.' },
  PAYLOAD_TOO_LARGE: { status: 413, description: 'The body exceeds BODY_LIMIT_BYTES.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, description: 'Bodies are JSON only (Content-Type: application/json).' },
  UNPROCESSABLE: { status: 422, description: 'A domain rule refused the change (a database rule without a more specific code).' },
  RATE_LIMITED: { status: 429, description: 'Too many requests or failed attempts; retry after the Retry-After header.' },
  INTERNAL_ERROR: { status: 500, description: 'An unexpected error; logged once with the request id, no detail is returned.' },
  DEPENDENCY_UNAVAILABLE: {
    status: 503,
    description: 'PostgreSQL or Redis cannot be reached; `details` names the dependency; retry after Retry-After.',
  },
} satisfies ErrorCodeCatalogue;
