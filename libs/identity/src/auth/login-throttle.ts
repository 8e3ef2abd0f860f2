import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { CacheKeys, CacheStore } from '@avn/cache';
import { Errors } from '@avn/common';
import { AppConfig } from '@avn/config';

/** What `reserve` took, to give back on success. */
export interface AttemptReservation {
  accountKey: string;
  ipKey?: string;
}

/**
 * Brute-force protection for password checks. An attempt is RESERVED (atomic INCR) on the account
 * and on the client IP before the password is verified, and refused once over the limit: a burst of
 * parallel guesses can never get more verifications than the limit, whatever the interleaving.
 * A success clears the account counter and gives the IP its attempt back; a failure keeps both.
 * Counters live LOGIN_LOCKOUT_SECONDS from the first failure (fixed window), which is also the lockout.
 * The cache is required: without it we cannot count, so logins answer 503 rather than run unthrottled.
 */
@Injectable()
export class LoginThrottle {
  constructor(
    private readonly config: AppConfig,
    private readonly cache: CacheStore,
  ) {}

  async reserve(emailNormalized: string, ip: string | undefined): Promise<AttemptReservation> {
    const accountKey = CacheKeys.loginFailuresByAccount(accountHash(emailNormalized));
    const window = this.config.LOGIN_LOCKOUT_SECONDS;
    const used = await this.guard(() => this.cache.incr(accountKey, window));
    if (used > this.config.LOGIN_MAX_FAILURES) throw await this.locked(accountKey);
    if (!ip) return { accountKey };
    const ipKey = CacheKeys.loginFailuresByIp(ip);
    const ipUsed = await this.guard(() => this.cache.incr(ipKey, window));
    if (ipUsed > this.config.LOGIN_MAX_FAILURES_PER_IP) {
      await this.release(accountKey); // refused before any check: not a failure of this account
      throw await this.locked(ipKey);
    }
    return { accountKey, ipKey };
  }

  /** The password was right: the account starts afresh and the IP gets its attempt back. */
  async succeeded(reservation: AttemptReservation): Promise<void> {
    await this.cache.del(reservation.accountKey).catch(() => undefined);
    if (reservation.ipKey) await this.release(reservation.ipKey);
  }

  private async locked(key: string): Promise<Error> {
    const remaining = await this.cache.ttl(key).catch(() => -2);
    return Errors.tooManyRequests(
      remaining > 0 ? remaining : this.config.LOGIN_LOCKOUT_SECONDS,
      'Too many failed attempts, try again later',
    );
  }

  /** Atomic decrement through compare-and-set (the store has no DECR); best effort. */
  private async release(key: string): Promise<void> {
    for (let i = 0; i < 5; i++) {
      try {
        const current = await this.cache.get(key);
        const n = current === null ? 0 : Number(current);
        if (!Number.isFinite(n) || n <= 0) return;
        const ttl = await this.cache.ttl(key);
        if (ttl === -2) return;
        if (await this.cache.compareAndSet(key, current, String(n - 1), ttl > 0 ? ttl : undefined)) return;
      } catch {
        return;
      }
    }
  }

  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch {
      throw Errors.unavailable('cache');
    }
  }
}

/** Counters are keyed by a hash so e-mail addresses do not appear in cache key names. */
function accountHash(emailNormalized: string): string {
  return createHash('sha256').update(emailNormalized, 'utf8').digest('hex').slice(0, 32);
}

/** Simple fixed-window limiter for other public endpoints (sign-up). */
@Injectable()
export class RateLimiter {
  constructor(private readonly cache: CacheStore) {}

  /** Counts one hit; 429 with Retry-After when over `limit` in the window. Degrades open when the cache is down. */
  async hit(bucket: string, subject: string, limit: number, windowSeconds: number): Promise<void> {
    const key = CacheKeys.rateLimit(bucket, subject);
    let count: number;
    try {
      count = await this.cache.incr(key, windowSeconds);
    } catch {
      return; // a sign-up rate limit is a nuisance filter, not a security boundary
    }
    if (count > limit) {
      const remaining = await this.cache.ttl(key).catch(() => -2);
      throw Errors.tooManyRequests(remaining > 0 ? remaining : windowSeconds);
    }
  }
}
