import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppConfig } from '@avn/config';
import { FileObjectStore } from './file-object-store';
import { GcsObjectStore } from './gcs-object-store';
import { ObjectStore, ObjectStoreError } from './object-store';
import { S3ObjectStore } from './s3-object-store';

export type ObjectStoreTarget =
  { kind: 'file'; dir: string } | { kind: 's3'; bucket: string; prefix: string } | { kind: 'gcs'; bucket: string; prefix: string };

/** `file:///abs/dir`, `s3://bucket[/prefix]`, `gs://bucket[/prefix]`. */
export function parseObjectStoreUrl(url: string): ObjectStoreTarget {
  const m = /^(file|s3|gs):\/\/([^/]*)(\/.*)?$/.exec(url.trim());
  if (!m) throw new ObjectStoreError('OBJECT_STORE_URL must be file:///abs/dir, s3://bucket/prefix or gs://bucket/prefix');
  const [, scheme, host, path = ''] = m;
  if (scheme === 'file') {
    if (host !== '' && host !== 'localhost') throw new ObjectStoreError('a file:// object store URL must be file:///absolute/dir');
    return { kind: 'file', dir: fileURLToPath(`file://${path || '/'}`) };
  }
  if (!/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/.test(host)) throw new ObjectStoreError(`invalid bucket name in OBJECT_STORE_URL`);
  const prefix = path.replace(/^\/+|\/+$/g, '');
  if (prefix && !/^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/.test(prefix))
    throw new ObjectStoreError('invalid prefix in OBJECT_STORE_URL');
  return { kind: scheme === 'gs' ? 'gcs' : 's3', bucket: host, prefix };
}

/**
 * The store the configuration names: OBJECT_STORE_URL, else the deprecated OBJECT_STORE_DIR, else
 * DATA_DIR/objects. S3 and GCS credentials come from their SDKs' default chains, never from here.
 */
export function createObjectStore(config: AppConfig): ObjectStore {
  const target: ObjectStoreTarget = config.OBJECT_STORE_URL
    ? parseObjectStoreUrl(config.OBJECT_STORE_URL)
    : { kind: 'file', dir: config.OBJECT_STORE_DIR ?? join(config.fileDataDir, 'objects') };
  switch (target.kind) {
    case 'file':
      return new FileObjectStore(target.dir);
    case 's3':
      return new S3ObjectStore({
        bucket: target.bucket,
        prefix: target.prefix,
        region: config.S3_REGION,
        endpoint: config.S3_ENDPOINT,
        forcePathStyle: config.S3_FORCE_PATH_STYLE,
      });
    case 'gcs':
      return new GcsObjectStore({ bucket: target.bucket, prefix: target.prefix, emulatorHost: config.STORAGE_EMULATOR_HOST });
  }
}
