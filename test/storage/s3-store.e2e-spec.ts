import { S3ObjectStore } from '@avn/storage';
import { objectStoreContract } from './object-store-contract';
import { startTestS3, TestS3 } from './support/s3-server';

describe('S3ObjectStore (s3rver, real S3 protocol) contract', () => {
  let s3: TestS3;
  objectStoreContract(async () => {
    s3 = await startTestS3();
    const store = new S3ObjectStore({
      bucket: s3.bucket,
      prefix: 'contract/run',
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: s3.credentials,
      partSize: 5 * 1024 * 1024,
    });
    return {
      store,
      close: async () => {
        // The concurrent-writer test was decided by the conditional write, not only by the HEAD pre-check.
        expect(s3.preconditionFailures).toBeGreaterThan(0);
        store.onApplicationShutdown();
        await s3.close();
      },
    };
  });
});

describe('S3ObjectStore errors', () => {
  let s3: TestS3;
  beforeAll(async () => (s3 = await startTestS3()));
  afterAll(async () => s3?.close());

  it('name the bucket and key, never the credentials', async () => {
    const secret = 'S3RVER';
    const store = new S3ObjectStore({
      bucket: 'no-such-bucket',
      prefix: 'p',
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'AKIAEXAMPLEKEYID1234', secretAccessKey: secret },
    });
    try {
      const error = (await store.list('backups/').catch((e: unknown) => e)) as Error;
      expect(error.message).toContain('s3://no-such-bucket/p/backups/');
      expect(error.message).not.toContain(secret);
      expect(error.message).not.toContain('AKIAEXAMPLEKEYID1234');
      const missing = (await store.get('backups/x.bin').catch((e: unknown) => e)) as Error;
      expect(missing.message).toContain('s3://no-such-bucket/p/backups/x.bin');
    } finally {
      store.onApplicationShutdown();
    }
  });
});
