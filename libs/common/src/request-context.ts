import { AsyncLocalStorage } from 'node:async_hooks';
import type { AuthPrincipal } from './auth/auth-principal';

/** What the current request is, available to services (audit, activity log) without plumbing. */
export interface RequestContextData {
  requestId: string;
  ip?: string;
  userAgent?: string;
  auth?: AuthPrincipal;
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
