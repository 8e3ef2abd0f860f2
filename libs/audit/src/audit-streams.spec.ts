import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { LocalSecretProvider } from '@avn/crypto';
import { csvField } from './audit-export';
import { canonicalJson } from './canonical-json';
import { createDecryptStream, createEncryptStream } from './encrypted-stream';
import { normalizeAuditData } from './redact';

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

describe('encrypted stream', () => {
  let dir: string;
  let secrets: LocalSecretProvider;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'avn-enc-'));
    secrets = new LocalSecretProvider(join(dir, 'master.key'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function encrypt(plain: Buffer, pieces = 7): Promise<Buffer> {
    const step = Math.max(1, Math.ceil(plain.length / pieces));
    const chunks = Array.from({ length: Math.ceil(plain.length / step) }, (_, i) => plain.subarray(i * step, (i + 1) * step));
    return collect(Readable.from(chunks).pipe(await createEncryptStream(secrets, 'test')));
  }
  const decrypt = (sealed: Buffer, split = 1000) =>
    collect(
      Readable.from(Array.from({ length: Math.ceil(sealed.length / split) }, (_, i) => sealed.subarray(i * split, (i + 1) * split))).pipe(
        createDecryptStream(secrets),
      ),
    );

  it.each([0, 1, 65536, 65537, 300_000])('round-trips %d bytes in arbitrary chunking', async (n) => {
    const plain = randomBytes(n);
    const sealed = await encrypt(plain);
    if (n >= 32) expect(sealed.includes(plain.subarray(0, 32))).toBe(false);
    expect((await decrypt(sealed, 777)).equals(plain)).toBe(true);
  });

  it('detects a flipped bit, a truncated stream, a dropped chunk and trailing bytes', async () => {
    const plain = randomBytes(200_000);
    const sealed = await encrypt(plain);
    const flipped = Buffer.from(sealed);
    flipped[sealed.length - 100] ^= 1;
    await expect(decrypt(flipped)).rejects.toThrow('decryption failed');
    // Cut right after the first frame: every remaining frame is valid on its own.
    const headerEnd = 8 + 4 + sealed.readUInt32BE(8);
    const firstFrameEnd = headerEnd + 4 + (sealed.readUInt32BE(headerEnd) & 0x7fffffff);
    await expect(decrypt(sealed.subarray(0, firstFrameEnd))).rejects.toThrow('decryption failed');
    const secondFrameEnd = firstFrameEnd + 4 + (sealed.readUInt32BE(firstFrameEnd) & 0x7fffffff);
    const dropped = Buffer.concat([sealed.subarray(0, firstFrameEnd), sealed.subarray(secondFrameEnd)]);
    await expect(decrypt(dropped)).rejects.toThrow('decryption failed');
    await expect(decrypt(Buffer.concat([sealed, Buffer.from('xx')]))).rejects.toThrow('decryption failed');
  });

  it('stays decryptable after KEK rotation (the header names the KEK version)', async () => {
    const plain = randomBytes(1000);
    const sealed = await encrypt(plain);
    await secrets.rotate();
    expect((await decrypt(sealed)).equals(plain)).toBe(true);
  });
});

describe('audit data redaction and canonical form', () => {
  it('drops secret keys at any depth and keeps identifiers', () => {
    expect(
      normalizeAuditData({
        email: 'a@b.c',
        password: 'x',
        newPassword: 'y',
        refresh_token: 'z',
        clientSecret: 's',
        connectionString: 'c',
        dbConnectionString: 'd',
        apiKey: 'k',
        privateKey: 'p',
        key: 'raw',
        keyId: 'id-1',
        productKeyId: 'id-2',
        objectKey: 'o',
        nested: [{ token: 't', ok: true, when: new Date('2024-01-01T00:00:00Z') }],
        skip: undefined,
      }),
    ).toEqual({
      email: 'a@b.c',
      keyId: 'id-1',
      productKeyId: 'id-2',
      objectKey: 'o',
      nested: [{ ok: true, when: '2024-01-01T00:00:00.000Z' }],
    });
  });

  it('canonical JSON sorts keys so the hash does not depend on insertion order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"e":3,"f":2}]},"b":1}');
  });

  it('escapes CSV fields and defuses spreadsheet formulas', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('line\nbreak')).toBe('"line\nbreak"');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField(null)).toBe('');
  });
});
