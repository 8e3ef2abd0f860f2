import { loadConfig } from '@avn/config';
import { createObjectStore, parseObjectStoreUrl } from './create-object-store';
import { scrubProviderMessage } from './object-store';

describe('OBJECT_STORE_URL', () => {
  it.each([
    ['file:///var/lib/avn/objects', { kind: 'file', dir: '/var/lib/avn/objects' }],
    ['s3://my-bucket', { kind: 's3', bucket: 'my-bucket', prefix: '' }],
    ['s3://my-bucket/prod/eu/', { kind: 's3', bucket: 'my-bucket', prefix: 'prod/eu' }],
    ['gs://avn.backups/prod', { kind: 'gcs', bucket: 'avn.backups', prefix: 'prod' }],
  ])('%s', (url, target) => expect(parseObjectStoreUrl(url)).toEqual(target));

  it.each(['http://x/y', 's3://', 's3://Bad_Bucket/x', 'gs://b/../x', 'file://host/dir', 'ftp://a/b'])('refuses %s', (url) => {
    expect(() => parseObjectStoreUrl(url)).toThrow(/OBJECT_STORE_URL|bucket|prefix|file/);
  });

  it('is validated at start-up', () => {
    expect(() => loadConfig({ OBJECT_STORE_URL: 'ftp://x' })).toThrow(/OBJECT_STORE_URL: must be file/);
  });

  it('selects the store; OBJECT_STORE_DIR is the deprecated alias; default DATA_DIR/objects', () => {
    expect(createObjectStore(loadConfig({ OBJECT_STORE_URL: 's3://bk1/p', S3_REGION: 'auto' })).location).toBe('s3://bk1/p');
    expect(createObjectStore(loadConfig({ OBJECT_STORE_URL: 'gs://bkt' })).location).toBe('gs://bkt');
    expect(createObjectStore(loadConfig({ OBJECT_STORE_DIR: '/tmp/o' })).location).toBe('file:///tmp/o');
    expect(createObjectStore(loadConfig({ OBJECT_STORE_URL: 'file:///tmp/u', OBJECT_STORE_DIR: '/tmp/o' })).location).toBe('file:///tmp/u');
    expect(createObjectStore(loadConfig({ DATA_DIR: '/srv/avn' })).location).toBe('file:///srv/avn/objects');
  });
});

describe('provider messages', () => {
  it('lose anything credential-shaped', () => {
    const m = scrubProviderMessage(
      'denied for AKIAIOSFODNN7EXAMPLE at https://h/b?X-Amz-Credential=AKIA/x&X-Amz-Signature=abc upload_id=xyz Bearer ya29.token https://u:p@host/',
    );
    expect(m).not.toMatch(/AKIAIOSFODNN7EXAMPLE|abc|xyz|ya29|u:p@/);
  });
});
