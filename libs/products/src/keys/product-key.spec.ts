import { generateProductKey, hashProductKey, lookupPrefix, sameHash } from './product-key';

describe('product keys', () => {
  it('are avn_pk_ + base64url(32 bytes), with a unique-looking lookup prefix and a SHA-256 hash', () => {
    const a = generateProductKey();
    const b = generateProductKey();
    expect(a.key).toMatch(/^avn_pk_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a.key.slice(7), 'base64url')).toHaveLength(32);
    expect(a.prefix).toBe(a.key.slice(0, 19));
    expect(a.prefix).not.toBe(b.prefix);
    expect(a.hash).toHaveLength(32);
    expect(sameHash(hashProductKey(a.key), a.hash)).toBe(true);
    expect(sameHash(hashProductKey(b.key), a.hash)).toBe(false);
  });

  it('rejects malformed keys before any lookup', () => {
    for (const bad of ['', 'avn_pk_', 'avn_pk_short', 'xyz_pk_' + 'a'.repeat(43), 'avn_pk_' + 'a'.repeat(44), 'avn_pk_' + '!'.repeat(43)]) {
      expect(lookupPrefix(bad)).toBeUndefined();
    }
  });
});
