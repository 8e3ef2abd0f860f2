import { randomBytes } from 'node:crypto';
import { exportJWK, exportPKCS8, generateKeyPair, importPKCS8, type JWK, type KeyLike } from 'jose';
import { Kek, open, packBox, seal, unpackBox } from '@avn/crypto';

export const JWT_ALG = 'ES256';

export interface SealedKeyMaterial {
  kid: string;
  /** Public half only (kty, crv, x, y). */
  publicJwk: JWK;
  /** PKCS#8 private key sealed with the KEK: iv | tag | ciphertext. */
  sealed: Buffer;
  kekId: string;
  kekVersion: string;
}

/** A fresh ES256 key pair whose private half never leaves this function unsealed. */
export async function createSealedKey(kek: Kek): Promise<SealedKeyMaterial> {
  const { publicKey, privateKey } = await generateKeyPair(JWT_ALG, { extractable: true });
  const kid = randomBytes(12).toString('base64url');
  const pkcs8 = await exportPKCS8(privateKey);
  const sealed = packBox(seal(kek.key, Buffer.from(pkcs8, 'utf8'), aadFor(kid)));
  const jwk = await exportJWK(publicKey);
  return { kid, publicJwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, sealed, kekId: kek.id, kekVersion: kek.version };
}

/** Throws DecryptionError for a wrong KEK, a tampered blob or a blob moved to another kid. */
export async function unsealPrivateKey(kid: string, sealed: Buffer, kek: Kek): Promise<KeyLike | Uint8Array> {
  const pkcs8 = open(kek.key, unpackBox(sealed), aadFor(kid)).toString('utf8');
  return importPKCS8(pkcs8, JWT_ALG);
}

/** Binds the sealed private key to its kid. */
function aadFor(kid: string): Buffer {
  return Buffer.from(`aventian.signing-key:${kid}`, 'utf8');
}
