import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Every product key starts with this (the guard routes bearer tokens on it). */
export const PRODUCT_KEY_PREFIX = 'avn_pk_';
/** Characters of the random part kept in clear as the lookup prefix (72 bits: collisions are negligible, and retried). */
const LOOKUP_CHARS = 12;
const KEY_RE = /^avn_pk_[A-Za-z0-9_-]{43}$/;

export interface GeneratedKey {
  key: string;
  prefix: string;
  hash: Buffer;
}

/** `avn_pk_` + base64url of 32 random bytes (256 bits). */
export function generateProductKey(): GeneratedKey {
  const key = PRODUCT_KEY_PREFIX + randomBytes(32).toString('base64url');
  return { key, prefix: lookupPrefix(key)!, hash: hashProductKey(key) };
}

/** The lookup prefix of a well-formed key, undefined for anything else (rejected without a query). */
export function lookupPrefix(key: string): string | undefined {
  if (!KEY_RE.test(key)) return undefined;
  return key.slice(0, PRODUCT_KEY_PREFIX.length + LOOKUP_CHARS);
}

/** SHA-256 of the whole key: the key has 256 bits of entropy, so a fast hash is enough (no password stretching needed). */
export function hashProductKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

export function sameHash(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
