import { CacheUnavailableError } from '@avn/cache';
import { isDatabaseConnectionError } from '@avn/database';
import { DomainError, Errors } from './domain-error';

/**
 * The one place that recognises "a dependency is down" in anything thrown on a request path: a lost
 * or refused PostgreSQL connection, or the cache's own unavailability error. Returns the 503 to
 * answer instead (the error mapping calls this), so no route handles outages itself.
 */
export function unavailableDependency(error: unknown): DomainError | undefined {
  if (error instanceof DomainError) return undefined;
  if (error instanceof CacheUnavailableError) return Errors.unavailable('cache');
  if (isDatabaseConnectionError(error)) return Errors.unavailable('database');
  return undefined;
}
