import { randomBytes } from 'node:crypto';
import { DecryptionError, open, packBox, seal, unpackBox } from './aead';
import type { Kek } from './secret-provider';

/**
 * Envelope encryption: data is sealed with a data-encryption key (DEK, AES-256-GCM), the DEK is
 * stored sealed ("wrapped") by a key-encryption key (KEK) that never leaves the SecretProvider.
 * Rotating the KEK re-wraps DEKs only; data rows are untouched. Every blob starts with a format
 * byte so the layout can evolve. Associated data is authenticated, not stored: the caller must
 * present the same context (e.g. team id + product code) to decrypt.
 */
const FORMAT_V1 = 0x01;

export function generateDataKey(): Buffer {
  return randomBytes(32);
}

export function wrapDataKey(kek: Kek, dataKey: Buffer, aad: Buffer): Buffer {
  return encryptWithKey(kek.key, dataKey, aad);
}

export function unwrapDataKey(kek: Kek, wrapped: Buffer, aad: Buffer): Buffer {
  const key = decryptWithKey(kek.key, wrapped, aad);
  if (key.length !== 32) throw new DecryptionError();
  return key;
}

export function encryptWithKey(key: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  return Buffer.concat([Buffer.from([FORMAT_V1]), packBox(seal(key, plaintext, aad))]);
}

/** Fails closed (DecryptionError) on an unknown format or any tampering with blob or associated data. */
export function decryptWithKey(key: Buffer, blob: Buffer, aad: Buffer): Buffer {
  if (blob.length < 1 || blob[0] !== FORMAT_V1) throw new DecryptionError();
  return open(key, unpackBox(blob.subarray(1)), aad);
}
