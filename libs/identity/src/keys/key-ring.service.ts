import { Inject, Injectable, Logger, OnModuleInit, Optional } from '@nestjs/common';
import { importJWK, type JWK, type KeyLike } from 'jose';
import { AppConfig } from '@avn/config';
import { SecretProvider } from '@avn/crypto';
import { DatabaseService, newId } from '@avn/database';
import { createSealedKey, JWT_ALG, unsealPrivateKey } from './key-material';
import { SigningKeyRow, SigningKeysRepository } from './signing-keys.repository';

export { JWT_ALG };
/** How often an instance re-reads the key table, so a rotation by the CLI reaches every instance. */
export const KEY_RELOAD_INTERVAL_MS = 30_000;

export interface KeyRingTiming {
  /** Unknown kid: re-read the key table at most this often (a forged kid must not turn into a database flood). */
  unknownKidReloadMs: number;
}
export const DEFAULT_KEY_RING_TIMING: KeyRingTiming = { unknownKidReloadMs: 2_000 };
/** Optional provider overriding DEFAULT_KEY_RING_TIMING (tests, or a deployment that wants another limit). */
export const KEY_RING_TIMING = Symbol('KEY_RING_TIMING');
/** Allowed clock difference between instances and token consumers. */
export const CLOCK_SKEW_SECONDS = 30;

interface LoadedKey {
  id: string;
  kid: string;
  status: 'active' | 'retired';
  publicJwk: JWK;
  publicKey: KeyLike | Uint8Array;
  row: SigningKeyRow;
  privateKey?: Promise<KeyLike | Uint8Array>;
}

/**
 * The JWT signing keys: ES256 key pairs in aventian.signing_keys, private halves sealed with the
 * current KEK of the SecretProvider. Signs with the newest active key; verifies with every key that
 * can still have valid tokens. Rotation leaves old public keys verifying for the longest time a token
 * signed with them can live (access TTL + reload interval + clock skew).
 */
@Injectable()
export class KeyRing implements OnModuleInit {
  private readonly logger = new Logger(KeyRing.name);
  private keys: LoadedKey[] = [];
  private loadedAt = 0;
  private loading?: Promise<void>;

  constructor(
    private readonly config: AppConfig,
    private readonly db: DatabaseService,
    private readonly repo: SigningKeysRepository,
    private readonly secrets: SecretProvider,
    @Optional() @Inject(KEY_RING_TIMING) private readonly timing: KeyRingTiming = DEFAULT_KEY_RING_TIMING,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.ensureActiveKey();
    await this.reload();
  }

  /** Seconds a retired key keeps verifying. */
  get retiredGraceSeconds(): number {
    return this.config.ACCESS_TOKEN_TTL_SECONDS + KEY_RELOAD_INTERVAL_MS / 1000 + CLOCK_SKEW_SECONDS;
  }

  async signingKey(): Promise<{ kid: string; key: KeyLike | Uint8Array }> {
    await this.refreshIfStale();
    let current = this.keys.find((k) => k.status === 'active');
    if (!current) {
      await this.ensureActiveKey();
      await this.reload();
      current = this.keys.find((k) => k.status === 'active');
      if (!current) throw new Error('no active signing key');
    }
    current.privateKey ??= this.unsealPrivateKey(current.row);
    try {
      return { kid: current.kid, key: await current.privateKey };
    } catch (error) {
      current.privateKey = undefined; // e.g. KEK briefly unavailable: retry next time
      throw error;
    }
  }

  /** Public key for a kid; undefined for unknown or expired keys. */
  async verificationKey(kid: string | undefined): Promise<KeyLike | Uint8Array | undefined> {
    if (!kid) return undefined;
    await this.refreshIfStale();
    let key = this.keys.find((k) => k.kid === kid);
    if (!key && Date.now() - this.loadedAt > this.timing.unknownKidReloadMs) {
      await this.reload().catch(() => undefined); // a key created by another instance or the CLI since the last load
      key = this.keys.find((k) => k.kid === kid);
    }
    if (!key) return undefined;
    if (key.status === 'retired' && key.row.verify_until && key.row.verify_until.getTime() < Date.now()) return undefined;
    return key.publicKey;
  }

  /** The public JWKS document (RFC 7517) of every key that can still verify a token. */
  async jwks(): Promise<{ keys: JWK[] }> {
    await this.refreshIfStale();
    const now = Date.now();
    return {
      keys: this.keys
        .filter((k) => k.status === 'active' || (k.row.verify_until && k.row.verify_until.getTime() > now))
        .map((k) => ({ ...k.publicJwk, kid: k.kid, alg: JWT_ALG, use: 'sig' })),
    };
  }

  /** Creates a new active key and retires the others (CLI keys:rotate). */
  async rotate(): Promise<{ kid: string; retired: string[]; verifyRetiredForSeconds: number }> {
    const result = await this.db.asPlatform(async () => {
      await this.repo.lock();
      const created = await this.createKey();
      const retired = await this.repo.retireOthers(created.id, this.retiredGraceSeconds);
      await this.repo.pruneExpired();
      return { kid: created.kid, retired, verifyRetiredForSeconds: this.retiredGraceSeconds };
    });
    await this.reload(true);
    return result;
  }

  /** Re-reads the key table (single flight; `fresh` waits out a load that started before the caller's write). */
  async reload(fresh = false): Promise<void> {
    if (fresh && this.loading) await this.loading.catch(() => undefined);
    this.loading ??= this.load().finally(() => (this.loading = undefined));
    return this.loading;
  }

  /** Periodic refresh on the request path: a failed re-read keeps the keys we have (retried shortly). */
  private async refreshIfStale(): Promise<void> {
    if (Date.now() - this.loadedAt <= KEY_RELOAD_INTERVAL_MS) return;
    try {
      await this.reload();
    } catch (error) {
      if (this.keys.length === 0) throw error;
      this.loadedAt = Date.now() - KEY_RELOAD_INTERVAL_MS + 5_000;
      this.logger.warn(`could not re-read signing keys, keeping the loaded ones: ${String(error)}`);
    }
  }

  private async load(): Promise<void> {
    const rows = await this.repo.usable();
    const previous = new Map(this.keys.map((k) => [k.kid, k]));
    const keys: LoadedKey[] = [];
    for (const row of rows) {
      const known = previous.get(row.kid);
      if (known) {
        keys.push({ ...known, status: row.status, row, privateKey: row.status === 'active' ? known.privateKey : undefined });
        continue;
      }
      const publicJwk = row.public_jwk as unknown as JWK;
      keys.push({ id: row.id, kid: row.kid, status: row.status, publicJwk, publicKey: await importJWK(publicJwk, JWT_ALG), row });
    }
    // Newest active key first (rows come ordered by creation).
    this.keys = keys;
    this.loadedAt = Date.now();
  }

  private async ensureActiveKey(): Promise<void> {
    await this.db.asPlatform(async () => {
      await this.repo.lock();
      if (await this.repo.hasActive()) return;
      const created = await this.createKey();
      this.logger.log(`created JWT signing key ${created.kid}`);
    });
  }

  private async createKey(): Promise<{ id: string; kid: string }> {
    const material = await createSealedKey(await this.secrets.currentKek());
    const id = newId();
    await this.repo.insert({
      id,
      kid: material.kid,
      publicJwk: material.publicJwk as unknown as Record<string, unknown>,
      sealed: material.sealed,
      kekId: material.kekId,
      kekVersion: material.kekVersion,
    });
    return { id, kid: material.kid };
  }

  private async unsealPrivateKey(row: SigningKeyRow): Promise<KeyLike | Uint8Array> {
    const kek = await this.secrets.kek(row.kek_id, row.kek_version);
    return unsealPrivateKey(row.kid, Buffer.from(row.private_key_sealed), kek);
  }
}
