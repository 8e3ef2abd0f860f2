import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** AES-256-GCM sealed box: 12-byte IV, 16-byte tag, associated data authenticated but not stored. */
export interface SealedBox {
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

export class DecryptionError extends Error {
  constructor() {
    super('decryption failed');
    this.name = 'DecryptionError';
  }
}

export function seal(key: Buffer, plaintext: Buffer, aad?: Buffer): SealedBox {
  if (key.length !== 32) throw new Error('AES-256-GCM needs a 32-byte key');
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  if (aad) cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, ciphertext, tag: cipher.getAuthTag() };
}

/** Fails closed: any tampering with key, iv, ciphertext, tag or aad raises DecryptionError. */
export function open(key: Buffer, box: SealedBox, aad?: Buffer): Buffer {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, box.iv);
    if (aad) decipher.setAAD(aad);
    decipher.setAuthTag(box.tag);
    return Buffer.concat([decipher.update(box.ciphertext), decipher.final()]);
  } catch {
    throw new DecryptionError();
  }
}

/** Compact single-buffer form: iv(12) | tag(16) | ciphertext. */
export function packBox(box: SealedBox): Buffer {
  return Buffer.concat([box.iv, box.tag, box.ciphertext]);
}

export function unpackBox(packed: Buffer): SealedBox {
  if (packed.length < 28) throw new DecryptionError();
  return { iv: packed.subarray(0, 12), tag: packed.subarray(12, 28), ciphertext: packed.subarray(28) };
}
