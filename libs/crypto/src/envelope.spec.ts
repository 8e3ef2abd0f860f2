import fc from 'fast-check';
import { DecryptionError } from './aead';
import { decryptWithKey, encryptWithKey, generateDataKey, unwrapDataKey, wrapDataKey } from './envelope';

describe('envelope encryption', () => {
  const kek = { id: 'k', version: '1', key: generateDataKey() };

  it('round-trips any plaintext under any associated data', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), fc.uint8Array({ maxLength: 256 }), (plain, aad) => {
        const key = generateDataKey();
        const blob = encryptWithKey(key, Buffer.from(plain), Buffer.from(aad));
        expect(decryptWithKey(key, blob, Buffer.from(aad)).equals(Buffer.from(plain))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('fails closed when any single byte of the blob or of the associated data is flipped', () => {
    const key = generateDataKey();
    const aad = Buffer.from('team=1|product=orders');
    const blob = encryptWithKey(key, Buffer.from('postgres://u:p@h/db'), aad);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: blob.length - 1 }), fc.integer({ min: 1, max: 255 }), (i, mask) => {
        const bad = Buffer.from(blob);
        bad[i] ^= mask;
        expect(() => decryptWithKey(key, bad, aad)).toThrow(DecryptionError);
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: aad.length - 1 }), fc.integer({ min: 1, max: 255 }), (i, mask) => {
        const bad = Buffer.from(aad);
        bad[i] ^= mask;
        expect(() => decryptWithKey(key, blob, bad)).toThrow(DecryptionError);
      }),
    );
  });

  it('wraps data keys under the KEK; another KEK or context cannot unwrap', () => {
    const dek = generateDataKey();
    const wrapped = wrapDataKey(kek, dek, Buffer.from('team=1'));
    expect(unwrapDataKey(kek, wrapped, Buffer.from('team=1')).equals(dek)).toBe(true);
    expect(() => unwrapDataKey({ ...kek, key: generateDataKey() }, wrapped, Buffer.from('team=1'))).toThrow(DecryptionError);
    expect(() => unwrapDataKey(kek, wrapped, Buffer.from('team=2'))).toThrow(DecryptionError);
  });

  it('refuses unknown formats and truncated blobs', () => {
    const key = generateDataKey();
    const blob = encryptWithKey(key, Buffer.from('x'), Buffer.alloc(0));
    expect(() => decryptWithKey(key, Buffer.concat([Buffer.from([2]), blob.subarray(1)]), Buffer.alloc(0))).toThrow(DecryptionError);
    expect(() => decryptWithKey(key, blob.subarray(0, 20), Buffer.alloc(0))).toThrow(DecryptionError);
    expect(() => decryptWithKey(key, Buffer.alloc(0), Buffer.alloc(0))).toThrow(DecryptionError);
  });
});
