import { createHash, randomBytes } from 'node:crypto';
import { Transform, TransformCallback } from 'node:stream';
import { DecryptionError, open, packBox, seal, SecretProvider, unpackBox } from '@avn/crypto';

/**
 * Streaming envelope encryption for archives and backups, built on @avn/crypto's AES-256-GCM
 * `seal/open`: a random data key (wrapped by the current KEK) encrypts fixed-size chunks, each
 * sealed on its own so memory stays flat however large the stream. Each chunk's associated data
 * binds the header, the chunk index and a "last chunk" flag, so chunks cannot be reordered,
 * dropped, duplicated or the stream truncated without decryption failing.
 *
 * Layout: MAGIC | u32 header length | header JSON | frames; frame = u32 length | iv|tag|ciphertext,
 * length high bit = last chunk.
 */
const MAGIC = Buffer.from('AVNENC1\n', 'ascii');
const CHUNK_SIZE = 64 * 1024;
const LAST_FLAG = 0x80000000;
const MAX_HEADER = 4096;

interface Header {
  v: 1;
  purpose: string;
  kekId: string;
  kekVersion: string;
  wrappedKey: string; // base64 packBox(seal(kek, dataKey, aad = "avn-stream-key"))
}

function chunkAad(headerDigest: Buffer, index: number, last: boolean): Buffer {
  const aad = Buffer.alloc(headerDigest.length + 9);
  headerDigest.copy(aad, 0);
  aad.writeBigUInt64BE(BigInt(index), headerDigest.length);
  aad.writeUInt8(last ? 1 : 0, headerDigest.length + 8);
  return aad;
}

export async function createEncryptStream(secrets: SecretProvider, purpose: string): Promise<Transform> {
  const kek = await secrets.currentKek();
  const dataKey = randomBytes(32);
  const header: Header = {
    v: 1,
    purpose,
    kekId: kek.id,
    kekVersion: kek.version,
    wrappedKey: packBox(seal(kek.key, dataKey, Buffer.from('avn-stream-key'))).toString('base64'),
  };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const headerDigest = createHash('sha256').update(headerBytes).digest();
  let pending: Buffer[] = [];
  let pendingLength = 0;
  let index = 0;
  let started = false;

  const frame = (plain: Buffer, last: boolean): Buffer => {
    const body = packBox(seal(dataKey, plain, chunkAad(headerDigest, index++, last)));
    const len = Buffer.alloc(4);
    len.writeUInt32BE((body.length | (last ? LAST_FLAG : 0)) >>> 0);
    return Buffer.concat([len, body]);
  };
  const start = (stream: Transform) => {
    if (started) return;
    started = true;
    const hlen = Buffer.alloc(4);
    hlen.writeUInt32BE(headerBytes.length);
    stream.push(Buffer.concat([MAGIC, hlen, headerBytes]));
  };

  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      start(this);
      pending.push(chunk);
      pendingLength += chunk.length;
      // Keep at least one full chunk back: the last frame must carry the flag.
      while (pendingLength > CHUNK_SIZE) {
        const all = Buffer.concat(pending);
        this.push(frame(all.subarray(0, CHUNK_SIZE), false));
        const rest = all.subarray(CHUNK_SIZE);
        pending = [rest];
        pendingLength = rest.length;
      }
      done();
    },
    flush(done: TransformCallback) {
      start(this);
      this.push(frame(Buffer.concat(pending), true));
      pending = [];
      done();
    },
  });
}

export function createDecryptStream(secrets: SecretProvider): Transform {
  let buffer: Buffer = Buffer.alloc(0);
  let headerDigest: Buffer | undefined;
  let dataKey: Buffer | undefined;
  let index = 0;
  let finished = false;

  const parse = async (stream: Transform): Promise<void> => {
    if (!dataKey) {
      if (buffer.length < MAGIC.length + 4) return;
      if (!buffer.subarray(0, MAGIC.length).equals(MAGIC)) throw new DecryptionError();
      const hlen = buffer.readUInt32BE(MAGIC.length);
      if (hlen > MAX_HEADER) throw new DecryptionError();
      if (buffer.length < MAGIC.length + 4 + hlen) return;
      const headerBytes = buffer.subarray(MAGIC.length + 4, MAGIC.length + 4 + hlen);
      const header = JSON.parse(headerBytes.toString('utf8')) as Header;
      const kek = await secrets.kek(header.kekId, header.kekVersion);
      dataKey = open(kek.key, unpackBox(Buffer.from(header.wrappedKey, 'base64')), Buffer.from('avn-stream-key'));
      headerDigest = createHash('sha256').update(headerBytes).digest();
      buffer = buffer.subarray(MAGIC.length + 4 + hlen);
    }
    while (buffer.length >= 4) {
      if (finished) throw new DecryptionError(); // bytes after the last frame
      const word = buffer.readUInt32BE(0);
      const last = (word & LAST_FLAG) !== 0;
      const len = word & ~LAST_FLAG;
      if (len > CHUNK_SIZE + 28) throw new DecryptionError();
      if (buffer.length < 4 + len) return;
      const plain = open(dataKey, unpackBox(buffer.subarray(4, 4 + len)), chunkAad(headerDigest!, index++, last));
      buffer = buffer.subarray(4 + len);
      if (plain.length) stream.push(plain);
      if (last) finished = true;
    }
  };

  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
      parse(this).then(
        () => done(),
        (e: unknown) => done(e instanceof Error ? e : new DecryptionError()),
      );
    },
    flush(done: TransformCallback) {
      if (!finished || buffer.length)
        done(new DecryptionError()); // truncated
      else done();
    },
  });
}
