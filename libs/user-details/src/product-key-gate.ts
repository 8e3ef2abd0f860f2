import { Injectable } from '@nestjs/common';
import { hash } from 'node:crypto';
import { CacheKeys } from '@avn/cache';
import { ProductKeyVerifier, ProductPrincipal } from '@avn/common';
import { VersionedEntries } from './versioned-entries';

/** Counters whose values stamp an in-process key verification (see ProductKeyGate). */
export const KEY_STAMP_COUNTERS = [CacheKeys.apiKeysVersion(), CacheKeys.epoch()] as const;

export const keyStampOf = (versions: ReadonlyMap<string, string>): string =>
  stampOf(versions.get(KEY_STAMP_COUNTERS[0]) ?? '0', versions.get(KEY_STAMP_COUNTERS[1]) ?? '0');

/** The stamp of the revocation counters' current values (api keys version, global epoch). */
export const stampOf = (apiKeysVersion: string, epoch: string): string => `${apiKeysVersion}:${epoch}`;

export interface GatePass {
  principal: ProductPrincipal;
  /** Key-revocation counters read BEFORE the verification; null = not provable fresh (cache down). */
  stamp: string | null;
}

const MAX_REMEMBERED = 10_000;

/**
 * Product-key check for the GetUserDetails hot path without a SQL round trip per request, and
 * without ever accepting a revoked key: a verification (one SQL lookup) is remembered in process
 * together with the revocation counters read just before it. Every key revoke bumps
 * `ver:apikeys` after COMMIT and before it returns; the hot path reads the current counters in the
 * same cache round trip as the answer (they are dependencies of every answer entry) and re-verifies
 * by SQL whenever they differ from the remembered stamp — or when the cache cannot vouch for them.
 */
@Injectable()
export class ProductKeyGate {
  private readonly remembered = new Map<string, GatePass>();

  constructor(
    private readonly verifier: ProductKeyVerifier,
    private readonly cache: VersionedEntries,
  ) {}

  /** The remembered pass of `key`, if any (no I/O: the hot path's first step). */
  rememberedPass(key: string): GatePass | undefined {
    return this.remembered.get(fingerprint(key));
  }

  /** True when `pass` is still valid under the counters `versions` (current, read with the answer). */
  isCurrent(pass: GatePass, versions: ReadonlyMap<string, string> | null): boolean {
    return pass.stamp !== null && versions !== null && keyStampOf(versions) === pass.stamp;
  }

  /** Same as `isCurrent`, from a stamp of current values (see `stampOf`). */
  isCurrentStamp(pass: GatePass, stamp: string): boolean {
    return pass.stamp === stamp;
  }

  /**
   * Verifies by SQL now, stamping with the counters read first (remembered only when they could be
   * read). `cacheUsable` false (known outage): no stamp, nothing remembered, no wait on the cache.
   */
  async verify(key: string, cacheUsable = true): Promise<GatePass | null> {
    const id = fingerprint(key);
    const stamp = cacheUsable ? await this.readStamp() : null;
    const principal = await this.verifier.verify(key);
    if (!principal) {
      this.remembered.delete(id);
      return null;
    }
    const pass = { principal, stamp };
    if (stamp !== null) {
      if (this.remembered.size >= MAX_REMEMBERED) this.remembered.clear();
      this.remembered.set(id, pass);
    }
    return pass;
  }

  /** Null when the cache does not answer promptly (its counter reads are bounded): nothing is remembered then. */
  private async readStamp(): Promise<string | null> {
    try {
      const [apiKeys, epoch] = await this.cache.readCounters(KEY_STAMP_COUNTERS);
      // An absent epoch ('0': it is a random token otherwise) vouches for nothing: nothing remembered.
      return epoch === '0' ? null : stampOf(apiKeys, epoch);
    } catch {
      return null;
    }
  }
}

/** Remembered by hash, so the process never holds a map of raw keys. */
function fingerprint(key: string): string {
  return hash('sha256', key, 'base64url');
}
