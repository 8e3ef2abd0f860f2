import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { PassThrough, Readable } from 'node:stream';
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

export interface S3ObjectStoreOptions {
  bucket: string;
  /** Key prefix inside the bucket, without leading or trailing '/' ('' for none). */
  prefix: string;
  region?: string;
  /** S3-compatible endpoint (R2, MinIO, a test server); unset: AWS. */
  endpoint?: string;
  forcePathStyle?: boolean;
  /** Multipart part size (bytes, >= 5 MiB) and parts in flight: memory per upload is about their product. */
  partSize?: number;
  queueSize?: number;
  /** Tests only; production uses the SDK's default credential chain. */
  credentials?: S3ClientConfig['credentials'];
}

interface AwsError {
  name?: string;
  $metadata?: { httpStatusCode?: number };
  message?: string;
}

/**
 * AWS S3 and S3-compatible stores (R2, MinIO). Uploads stream through lib-storage's multipart upload
 * (memory bounded by partSize x queueSize). Immutability: every write carries `If-None-Match: *`
 * (PutObject and CompleteMultipartUpload), so of two concurrent writers the store lets exactly one
 * win; a HEAD first refuses an existing key before streaming anything (and is the only guard on a
 * store that ignores the conditional header).
 */
export class S3ObjectStore extends ObjectStore {
  readonly kind = 's3' as const;
  readonly location: string;
  private readonly client: S3Client;

  constructor(private readonly options: S3ObjectStoreOptions) {
    super();
    this.location = `s3://${options.bucket}${options.prefix ? `/${options.prefix}` : ''}`;
    this.client = new S3Client({
      region: options.region ?? 'us-east-1',
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle,
      credentials: options.credentials,
      // Plain checksums only when the API requires them: S3-compatible stores often refuse the
      // SDK's default streaming (trailer) checksums.
      requestChecksumCalculation: options.endpoint ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED',
      responseChecksumValidation: options.endpoint ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED',
    });
  }

  private objectKey(key: string): string {
    assertObjectKey(key);
    return this.options.prefix ? `${this.options.prefix}/${key}` : key;
  }

  private fail(op: string, key: string, error: unknown): ObjectStoreError {
    const e = error as AwsError;
    const status = e.$metadata?.httpStatusCode;
    if (e.name === 'NoSuchKey' || e.name === 'NotFound' || status === 404) return new ObjectNotFoundError(this.describe(key));
    if (op === 'put' && (status === 412 || e.name === 'PreconditionFailed' || e.name === 'ConditionalRequestConflict'))
      return new ObjectExistsError(this.describe(key));
    const detail = `${e.name ?? 'Error'}${status ? ` (HTTP ${status})` : ''}: ${scrubProviderMessage(e.message ?? '')}`;
    return new ObjectStoreError(`S3 ${op} of ${this.describe(key)} failed: ${detail}`);
  }

  async put(key: string, body: Readable): Promise<StoredObject> {
    const objectKey = this.objectKey(key);
    if (await this.head(key)) {
      body.destroy();
      throw new ObjectExistsError(this.describe(key));
    }
    // lib-storage reads the body itself; a PassThrough keeps a source error from going unnoticed.
    const source = new PassThrough();
    body.on('error', (e) => source.destroy(e));
    body.pipe(source);
    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: this.options.bucket,
        Key: objectKey,
        Body: source,
        ContentType: 'application/octet-stream',
        IfNoneMatch: '*',
      },
      partSize: this.options.partSize ?? 8 * 1024 * 1024,
      queueSize: this.options.queueSize ?? 4,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (error) {
      body.destroy();
      throw error instanceof ObjectStoreError ? error : this.fail('put', key, error);
    }
    const stored = await this.head(key);
    if (!stored) throw new ObjectStoreError(`S3 put of ${this.describe(key)} finished but the object is not there`);
    return stored;
  }

  async get(key: string): Promise<Readable> {
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(key) }));
      if (!(r.Body instanceof Readable)) throw new ObjectStoreError(`S3 get of ${this.describe(key)} returned no stream`);
      return r.Body;
    } catch (error) {
      throw error instanceof ObjectStoreError ? error : this.fail('get', key, error);
    }
  }

  async head(key: string): Promise<StoredObject | undefined> {
    try {
      const r = await this.client.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(key) }));
      return { key, size: Number(r.ContentLength ?? 0), modifiedAt: r.LastModified ?? new Date(0) };
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
      // ListObjects with Marker = the last key of the previous page: the same on every S3-compatible
      // store (v2 continuation tokens are opaque and not portable between implementations).
      const r = await this.client.send(
        new ListObjectsCommand({
          Bucket: this.options.bucket,
          Prefix: base + prefix,
          MaxKeys: Math.min(options.limit ?? 1000, 1000),
          Marker: options.pageToken ? base + options.pageToken : undefined,
        }),
      );
      const items = (r.Contents ?? [])
        .filter((o) => o.Key?.startsWith(base))
        .map((o) => ({ key: o.Key!.slice(base.length), size: Number(o.Size ?? 0), modifiedAt: o.LastModified ?? new Date(0) }));
      return { items, nextPageToken: r.IsTruncated && items.length > 0 ? items[items.length - 1].key : undefined };
    } catch (error) {
      throw this.fail('list', prefix, error);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(key) }));
    } catch (error) {
      const e = this.fail('delete', key, error);
      if (!(e instanceof ObjectNotFoundError)) throw e;
    }
  }

  /** Nest lifecycle hook: closes the HTTP agent's sockets. */
  onApplicationShutdown(): void {
    this.client.destroy();
  }
}
