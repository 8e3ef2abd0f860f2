import { GcsObjectStore } from '@avn/storage';
import { objectStoreContract } from './object-store-contract';
import { FakeGcs, startFakeGcs } from './support/fake-gcs-server';

describe('GcsObjectStore (real @google-cloud/storage client, JSON API server via STORAGE_EMULATOR_HOST) contract', () => {
  let gcs: FakeGcs;
  objectStoreContract(async () => {
    gcs = await startFakeGcs(['avn-test']);
    const store = new GcsObjectStore({ bucket: 'avn-test', prefix: 'contract', emulatorHost: gcs.url, chunkSize: 4 * 1024 * 1024 });
    return {
      store,
      close: async () => {
        // Uploads were resumable sessions in several chunks, each created with ifGenerationMatch=0.
        const starts = gcs.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/upload/'));
        expect(starts.length).toBeGreaterThan(0);
        expect(starts.every((r) => r.uploadType === 'resumable' && r.ifGenerationMatch === '0')).toBe(true);
        expect(gcs.requests.filter((r) => r.method === 'PUT').length).toBeGreaterThan(starts.length);
        await gcs.close();
      },
    };
  });
});

describe('GcsObjectStore errors', () => {
  let gcs: FakeGcs;
  beforeAll(async () => (gcs = await startFakeGcs(['avn-test'])));
  afterAll(async () => gcs?.close());

  it('name the bucket and key', async () => {
    const store = new GcsObjectStore({ bucket: 'no-such-bucket', prefix: 'p', emulatorHost: gcs.url });
    const error = (await store.list('backups/').catch((e: unknown) => e)) as Error;
    expect(error.message).toContain('gs://no-such-bucket/p/backups/');
    const missing = (await store.get('backups/x.bin').catch((e: unknown) => e)) as Error;
    expect(missing.message).toContain('gs://no-such-bucket/p/backups/x.bin');
  });
});
