/** A key-encryption key (32 bytes) with its identity, so ciphertext can name what wrapped it. */
export interface Kek {
  id: string;
  version: string;
  key: Buffer;
}

/**
 * Source of key-encryption keys: `local` (a key file, the embedded default) or `gcp`
 * (Google Secret Manager). Old versions stay readable so existing ciphertext keeps decrypting
 * until it is re-wrapped by rotation.
 */
export abstract class SecretProvider {
  abstract readonly name: 'local' | 'gcp';
  abstract currentKek(): Promise<Kek>;
  abstract kek(id: string, version: string): Promise<Kek>;
  /** Creates a new current version and returns it (rotation). */
  abstract rotate(): Promise<Kek>;
  /** Where the keys come from, for messages (a path or a secret name; never key material). */
  abstract describe(): string;
}
