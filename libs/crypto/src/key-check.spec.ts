import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckedSecretProvider, KeyCheckRecord, KeyCheckStore, KeyMismatchError } from './key-check';
import { KeyFileError, LocalSecretProvider } from './local-secret-provider';

class MemoryStore extends KeyCheckStore {
  records: KeyCheckRecord[] = [];
  async list() {
    return [...this.records];
  }
  async insertIfAbsent(record: KeyCheckRecord) {
    if (!this.records.some((r) => r.kekId === record.kekId && r.kekVersion === record.kekVersion)) this.records.push(record);
  }
}

describe('CheckedSecretProvider', () => {
  const dir = mkdtempSync(join(tmpdir(), 'avn-keycheck-'));
  let n = 0;
  const keyFile = () => join(dir, `key-${n++}.json`);

  it('records the first key, accepts it again, and refuses another key naming its source', async () => {
    const store = new MemoryStore();
    const first = keyFile();
    await new CheckedSecretProvider(new LocalSecretProvider(first), store).verifyKeys();
    expect(store.records).toHaveLength(1);
    expect(store.records[0].mac).toHaveLength(32);
    await new CheckedSecretProvider(new LocalSecretProvider(first), store).verifyKeys(); // same key: fine

    const other = keyFile();
    const stranger = new CheckedSecretProvider(new LocalSecretProvider(other), store);
    await expect(stranger.verifyKeys()).rejects.toThrow(KeyMismatchError);
    await expect(stranger.currentKek()).rejects.toThrow(`key file ${other}`);
    expect(store.records).toHaveLength(1); // nothing recorded for the stranger
  });

  it('records a rotated version of the same key, and refuses a stale copy of the key file that lacks it', async () => {
    const store = new MemoryStore();
    const path = keyFile();
    const staleCopy = keyFile();
    const provider = new CheckedSecretProvider(new LocalSecretProvider(path), store);
    await provider.verifyKeys();
    copyFileSync(path, staleCopy);
    const rotated = await provider.rotate();
    expect(store.records.map((r) => r.kekVersion)).toEqual(['1', rotated.version]);

    await new CheckedSecretProvider(new LocalSecretProvider(path), store).verifyKeys();
    await expect(new CheckedSecretProvider(new LocalSecretProvider(staleCopy), store).verifyKeys()).rejects.toThrow(
      /uses version 2 of key "local", which it lacks/,
    );
  });

  it('refuses a key whose id the database does not know', async () => {
    const store = new MemoryStore();
    store.records.push({ kekId: 'projects/p/secrets/kek', kekVersion: '1', mac: Buffer.alloc(32) });
    await expect(new CheckedSecretProvider(new LocalSecretProvider(keyFile()), store).verifyKeys()).rejects.toThrow(
      /encrypted with key "projects\/p\/secrets\/kek", not "local"/,
    );
  });
});

describe('LocalSecretProvider key file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'avn-keyfile-'));

  it.each([
    ['{ not json', /not JSON/],
    ['[]', /not a JSON object/],
    ['{"id":"local","current":"1","versions":{"1":"c2hvcnQ="}}', /version 1 must be the base64 of 32 bytes/],
    [JSON.stringify({ id: 'local', current: '2', versions: { '1': Buffer.alloc(32).toString('base64') } }), /"current" must name/],
  ])('says what is wrong with a malformed file (%s)', async (contents, problem) => {
    const path = join(dir, `bad-${Math.random()}.json`);
    writeFileSync(path, contents);
    const error = await new LocalSecretProvider(path).currentKek().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeyFileError);
    expect((error as Error).message).toMatch(problem);
    expect((error as Error).message).toContain(path);
  });
});
