import { createHmac, timingSafeEqual } from 'node:crypto';
import { Kek, SecretProvider } from './secret-provider';

/** One stored key check: a MAC of a constant under one KEK version (reveals nothing about the key). */
export interface KeyCheckRecord {
  kekId: string;
  kekVersion: string;
  mac: Buffer;
}

/** Where key checks live: the database the keys protect (implemented by the app, which owns the SQL). */
export abstract class KeyCheckStore {
  /** Every check, oldest first. */
  abstract list(): Promise<KeyCheckRecord[]>;
  /** Stores a check unless one exists for that key version (a concurrent first start keeps the first). */
  abstract insertIfAbsent(record: KeyCheckRecord): Promise<void>;
}

/** This instance's key-encryption key is not the one the database's data was encrypted with. */
export class KeyMismatchError extends Error {
  constructor(detail: string, source: string) {
    super(
      `key-encryption key mismatch: ${detail}. This instance reads its key from ${source}; every instance of a ` +
        'deployment must use the same key (the same LOCAL_KEY_FILE contents, or the same GCP_KEK_SECRET).',
    );
    this.name = 'KeyMismatchError';
  }
}

export function kekCheckMac(kek: Kek): Buffer {
  return createHmac('sha256', kek.key).update(`aventian:kek-check:v1:${kek.id}:${kek.version}`).digest();
}

const sameMac = (a: Buffer, b: Buffer) => a.length === b.length && timingSafeEqual(a, b);

/**
 * The SecretProvider every component gets: the real one, plus a check that each KEK version it hands
 * out matches the key check stored in the database for that version. A version seen for the first
 * time is recorded only when the provider can vouch for it (the database has no checks yet, or the
 * provider also holds a recorded version of the same key that matches). So an instance with its own
 * key file, a stale copy of it, or another secret refuses to start instead of failing every
 * decryption; and rotation (a new version of the same key) records itself.
 */
export class CheckedSecretProvider extends SecretProvider {
  private readonly verified = new Map<string, Promise<void>>();

  constructor(
    private readonly inner: SecretProvider,
    private readonly store: KeyCheckStore,
  ) {
    super();
  }

  get name(): 'local' | 'gcp' {
    return this.inner.name;
  }

  describe(): string {
    return this.inner.describe();
  }

  async currentKek(): Promise<Kek> {
    const kek = await this.inner.currentKek();
    await this.verify(kek);
    return kek;
  }

  async kek(id: string, version: string): Promise<Kek> {
    const kek = await this.inner.kek(id, version);
    await this.verify(kek);
    return kek;
  }

  async rotate(): Promise<Kek> {
    const kek = await this.inner.rotate();
    await this.verify(kek);
    return kek;
  }

  /**
   * Start-up and readiness check: the current version matches, and so does the newest version the
   * database records for this key (an instance with an old copy of a rotated key file lacks it).
   */
  async verifyKeys(): Promise<void> {
    const current = await this.currentKek();
    const newest = (await this.store.list()).filter((r) => r.kekId === current.id).pop();
    if (newest && newest.kekVersion !== current.version) {
      const kek = await this.inner.kek(newest.kekId, newest.kekVersion).catch(() => undefined);
      if (!kek)
        throw new KeyMismatchError(
          `this database uses version ${newest.kekVersion} of key "${newest.kekId}", which it lacks`,
          this.describe(),
        );
      await this.verify(kek);
    }
  }

  /** Nest lifecycle: the wrapped provider may hold a client (Secret Manager) to close. */
  async onApplicationShutdown(): Promise<void> {
    await (this.inner as { onApplicationShutdown?: () => Promise<void> }).onApplicationShutdown?.();
  }

  private verify(kek: Kek): Promise<void> {
    const name = `${kek.id}\u0000${kek.version}`;
    let pending = this.verified.get(name);
    if (!pending) {
      pending = this.check(kek);
      this.verified.set(name, pending);
      pending.catch(() => this.verified.delete(name)); // a database blip is retried; a mismatch fails again
    }
    return pending;
  }

  private async check(kek: Kek): Promise<void> {
    const mac = kekCheckMac(kek);
    const find = (records: KeyCheckRecord[]) => records.find((r) => r.kekId === kek.id && r.kekVersion === kek.version);
    let records = await this.store.list();
    if (!find(records)) {
      await this.vouchFor(kek, records);
      await this.store.insertIfAbsent({ kekId: kek.id, kekVersion: kek.version, mac });
      records = await this.store.list();
    }
    const stored = find(records);
    if (!stored || !sameMac(stored.mac, mac)) {
      throw new KeyMismatchError(
        `version ${kek.version} of key "${kek.id}" is not the key this database's data is encrypted with`,
        this.describe(),
      );
    }
  }

  /** A version without a check is trusted when the database has none yet, or a recorded version of the same key matches. */
  private async vouchFor(kek: Kek, records: KeyCheckRecord[]): Promise<void> {
    if (records.length === 0) return;
    const sameKey = records.filter((r) => r.kekId === kek.id);
    const newest = sameKey[sameKey.length - 1];
    if (!newest) {
      const known = [...new Set(records.map((r) => `"${r.kekId}"`))].join(', ');
      throw new KeyMismatchError(`this database's data is encrypted with key ${known}, not "${kek.id}"`, this.describe());
    }
    const recorded = await this.inner.kek(newest.kekId, newest.kekVersion).catch(() => undefined);
    if (!recorded || !sameMac(kekCheckMac(recorded), newest.mac)) {
      throw new KeyMismatchError(`key "${kek.id}" is not the key this database's data is encrypted with`, this.describe());
    }
  }
}
