import { AventianApiError } from './errors';
import type { DbConnection, UserDetails } from './types';

export interface AventianClientOptions {
  /** Base URL of the control plane, e.g. https://iam.example.com */
  baseUrl: string;
  /** The product key (`avn_pk_...`); keep it secret (environment / secret manager). */
  productKey: string;
  /** Per-request timeout (default 5000 ms). */
  timeoutMs?: number;
  /**
   * Cache GetUserDetails answers in this process for this long (default 0 = never). A revoke is then
   * seen by this product up to this much later: keep it at a few seconds at most, or 0.
   */
  detailsCacheTtlMs?: number;
  /** Bound of the in-process cache (default 10,000 entries). */
  detailsCacheMaxEntries?: number;
  /** Custom fetch (tests, proxies). Default: the global fetch of Node >= 18. */
  fetch?: typeof fetch;
}

interface CachedDetails {
  expiresAt: number;
  value: UserDetails;
}

/** Typed REST client for product backends (authenticated with the product key). */
export class AventianClient {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly cache = new Map<string, CachedDetails>();

  constructor(private readonly options: AventianClientOptions) {
    if (!/^avn_pk_/.test(options.productKey)) throw new Error('productKey must be an avn_pk_... product key');
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** GetUserDetails: the user's teams, roles and privileges for this product. 404 -> AventianApiError. */
  async getUserDetails(userId: string, options: { teamId?: string } = {}): Promise<UserDetails> {
    const path = `/v1/users/${encodeURIComponent(userId)}/details${options.teamId ? `?teamId=${encodeURIComponent(options.teamId)}` : ''}`;
    const ttl = this.options.detailsCacheTtlMs ?? 0;
    if (ttl > 0) {
      const hit = this.cache.get(path);
      if (hit && hit.expiresAt > Date.now()) return hit.value;
    }
    const value = await this.request<UserDetails>(path);
    if (ttl > 0) {
      if (this.cache.size >= (this.options.detailsCacheMaxEntries ?? 10_000)) this.cache.clear();
      this.cache.set(path, { value, expiresAt: Date.now() + ttl });
    }
    return value;
  }

  /** The team's database connection string for this product (only with an active subscription; audited). */
  getDbConnection(teamId: string): Promise<DbConnection> {
    return this.request<DbConnection>(`/v1/teams/${encodeURIComponent(teamId)}/db-connection`);
  }

  /** Drops cached GetUserDetails answers (all, or one user's). */
  clearCache(userId?: string): void {
    if (!userId) return this.cache.clear();
    const prefix = `/v1/users/${encodeURIComponent(userId)}/`;
    for (const key of this.cache.keys()) if (key.startsWith(prefix)) this.cache.delete(key);
  }

  private async request<T>(path: string): Promise<T> {
    const response = await this.fetchImpl(this.baseUrl + path, {
      headers: { authorization: `Bearer ${this.options.productKey}`, accept: 'application/json' },
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
    });
    const text = await response.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (!response.ok) {
      const error = (body ?? {}) as { error?: string; message?: string; requestId?: string };
      throw new AventianApiError(response.status, error.error ?? 'HTTP_ERROR', error.message ?? `HTTP ${response.status}`, error.requestId);
    }
    return body as T;
  }
}
