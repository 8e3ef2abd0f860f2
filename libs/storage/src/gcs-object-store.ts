import { Storage, type StorageOptions } from '@google-cloud/storage';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  assertObjectKey,
  assertObjectPrefix,
  ObjectExistsError,
  ObjectNotFoundError,
  ObjectPage,
  ObjectStore,
  ObjectStoreError,
  scrubProviderMessage,
  StoredObject,
} from './object-store';

export interface GcsObjectStoreOptions {
  bucket: string;
  /** Key prefix inside the bucket, without leading or trailing '/' ('' for none). */
  prefix: string;
  /** `STORAGE_EMULATOR_HOST` (http://host:port): an emulator or test server, no credentials. */
  emulatorHost?: string;
  /** Resumable upload chunk (bytes, multiple of 256 KiB): memory per upload, and what a retry resends. */
  chunkSize?: number;
}

interface GcsError {
  code?: number | string;
  message?: string;
}

const metadataOf = (key: string, m: { size?: string | number; updated?: string }): StoredObject => ({
  key,
  size: Number(m.size ?? 0),
  modifiedAt: new Date(m.updated ?? 0),
});

/**
 * Google Cloud Storage through its JSON API (Application Default Credentials). Uploads are resumable
 * sessions sent in chunks (memory bounded by chunkSize; a failed chunk is resent, not the object) and
 * carry `ifGenerationMatch=0`: GCS creates the object only if no generation exists, so a key is
 * written once and of two concurrent writers exactly one wins.
 */
export class GcsObjectStore extends ObjectStore {
  readonly kind = 'gcs' as const;
  readonly location: string;
  private readonly storage: Storage;

  constructor(private readonly options: GcsObjectStoreOptions) {
    super();
    this.location = `gs://${options.bucket}${options.prefix ? `/${options.prefix}` : ''}`;
    const storageOptions: StorageOptions = options.emulatorHost ? { apiEndpoint: options.emulatorHost, projectId: 'emulator' } : {};
    this.storage = new Storage({ ...storageOptions, retryOptions: { autoRetry: true, maxRetries: 3 } });
  }

  private file(key: string) {
    assertObjectKey(key);
    return this.storage.bucket(this.options.bucket).file(this.options.prefix ? `${this.options.prefix}/${key}` : key);
  }

  private fail(op: string, key: string, error: unknown): ObjectStoreError {
    if (error instanceof ObjectStoreError) return error;
    const e = error as GcsError;
    if (e.code === 404) return new ObjectNotFoundError(this.describe(key));
    if (op === 'put' && e.code === 412) return new ObjectExistsError(this.describe(key));
    return new ObjectStoreError(
      `GCS ${op} of ${this.describe(key)} failed${e.code ? ` (HTTP ${e.code})` : ''}: ${scrubProviderMessage(e.message ?? '')}`,
    );
  }

  async put(key: string, body: Readable): Promise<StoredObject> {
    const file = this.file(key);
    if (await this.head(key)) {
      body.destroy();
      throw new ObjectExistsError(this.describe(key));
    }
    try {
      await pipeline(
        body,
        file.createWriteStream({
          resumable: true,
          chunkSize: this.options.chunkSize ?? 8 * 1024 * 1024,
          contentType: 'application/octet-stream',
          preconditionOpts: { ifGenerationMatch: 0 },
          validation: 'crc32c',
        }),
      );
    } catch (error) {
      throw this.fail('put', key, error);
    }
    const stored = await this.head(key);
    if (!stored) throw new ObjectStoreError(`GCS put of ${this.describe(key)} finished but the object is not there`);
    return stored;
  }

  async get(key: string): Promise<Readable> {
    const file = this.file(key);
    let generation: string | number | undefined;
    try {
      const [metadata] = await file.getMetadata();
      generation = metadata.generation;
    } catch (error) {
      throw this.fail('get', key, error);
    }
    // Pinned to the generation just seen (objects are immutable; this makes it explicit).
    const pinned = this.storage.bucket(this.options.bucket).file(file.name, { generation: Number(generation) });
    return pinned.createReadStream({ validation: 'crc32c' });
  }

  async head(key: string): Promise<StoredObject | undefined> {
    try {
      const [metadata] = await this.file(key).getMetadata();
      return metadataOf(key, metadata);
    } catch (error) {
      const e = this.fail('head', key, error);
      if (e instanceof ObjectNotFoundError) return undefined;
      throw e;
    }
  }

  async listPage(prefix: string, options: { pageToken?: string; limit?: number } = {}): Promise<ObjectPage> {
    assertObjectPrefix(prefix);
    const base = this.options.prefix ? `${this.options.prefix}/` : '';
    try {
      const [files, next] = await this.storage.bucket(this.options.bucket).getFiles({
        prefix: base + prefix,
        maxResults: Math.min(options.limit ?? 1000, 1000),
        pageToken: options.pageToken,
        autoPaginate: false,
      });
      const items = files.filter((f) => f.name.startsWith(base)).map((f) => metadataOf(f.name.slice(base.length), f.metadata));
      return { items, nextPageToken: (next as { pageToken?: string } | null)?.pageToken };
    } catch (error) {
      throw this.fail('list', prefix, error);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.file(key).delete({ ignoreNotFound: true });
    } catch (error) {
      throw this.fail('delete', key, error);
    }
  }
}
