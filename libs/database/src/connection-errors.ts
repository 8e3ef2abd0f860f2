/**
 * Recognises errors that mean "PostgreSQL cannot be reached right now" (as opposed to a statement
 * that failed): the server is down, restarting, refusing connections, or the network between us
 * dropped. The exception mapping turns these into 503 DEPENDENCY_UNAVAILABLE instead of a 500.
 */

/** Socket-level failures (node-postgres passes them through unwrapped when it cannot connect). */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** SQLSTATEs of an unavailable server: class 08 (connection exception), shutdown/starting up, out of connections. */
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[123]|53300)$/;

/** What node-postgres and its pool say when a connection is lost or cannot be obtained. */
const DRIVER_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect/,
  /^Client has encountered a connection error and is not queryable/,
  /^Connection is closed/,
  /the database system is (starting up|shutting down|in recovery mode)/,
];

export function isDatabaseConnectionError(error: unknown): boolean {
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code))) return true;
    if (typeof message === 'string' && DRIVER_MESSAGES.some((re) => re.test(message))) return true;
    // TypeORM wraps driver errors (QueryFailedError.driverError); Node wraps with `cause`.
    const next = (current as { driverError?: unknown }).driverError ?? (current as { cause?: unknown }).cause;
    if (next === current) break;
    current = next;
  }
  return false;
}
