import { AsyncLocalStorage } from 'node:async_hooks';
import type { Actor } from './auth/actor';

/**
 * What the current request is, available to cross-cutting writers (audit attribution, activity
 * log, session metadata) without plumbing. Authorization never reads it: services receive the
 * Actor as an argument.
 */
export interface RequestContextData {
  requestId: string;
  ip?: string;
  userAgent?: string;
  /** Set by the AuthGuard once the credential is verified. */
  actor?: Actor;
}

const storage = new AsyncLocalStorage<RequestContextData>();

export const RequestContext = {
  run<T>(data: RequestContextData, fn: () => T): T {
    return storage.run(data, fn);
  },
  current(): RequestContextData | undefined {
    return storage.getStore();
  },
};
