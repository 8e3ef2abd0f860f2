import type { Readable } from 'node:stream';

export interface StoredObject {
  key: string;
  size: number;
  modifiedAt: Date;
}

export interface ObjectPage {
  items: StoredObject[];
  /** Pass back as `pageToken` for the next page; absent on the last page. */
  nextPageToken?: string;
}

export type ObjectStoreErrorCode = 'not_found' | 'exists' | 'failed';

/** A store failure. The message names the store location and key, never credentials. */
export class ObjectStoreError extends Error {
  constructor(
    message: string,
    readonly code: ObjectStoreErrorCode = 'failed',
  ) {
    super(message);
    this.name = 'ObjectStoreError';
  }
}

export class ObjectNotFoundError extends ObjectStoreError {
  constructor(location: string) {
    super(`object ${location} does not exist`, 'not_found');
    this.name = 'ObjectNotFoundError';
  }
}

/** Objects are immutable: a second write of a key fails with this, whoever wrote first. */
export class ObjectExistsError extends ObjectStoreError {
  constructor(location: string) {
    super(`object ${location} already exists (objects are never overwritten)`, 'exists');
    this.name = 'ObjectExistsError';
  }
}

const KEY_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;
const PREFIX_RE = /^([A-Za-z0-9][A-Za-z0-9._-]*\/?)*$/;

/** Keys are '/'-separated relative names of safe characters (no '.', '..', empty or hidden parts). */
export function assertObjectKey(key: string): void {
  if (key.length > 900 || !KEY_RE.test(key) || key.split('/').some((p) => p === '..' || p === '.'))
    throw new ObjectStoreError(`invalid object key ${JSON.stringify(key.slice(0, 200))}`);
}

/** A listing prefix: empty, or the start of a key (e.g. `backups/` or `backups/2026`). */
export function assertObjectPrefix(prefix: string): void {
  if (prefix.length > 900 || !PREFIX_RE.test(prefix) || prefix.split('/').some((p) => p === '..' || p === '.'))
    throw new ObjectStoreError(`invalid object prefix ${JSON.stringify(prefix.slice(0, 200))}`);
}

/**
 * Where backups, audit archives and audit anchors go. Every implementation streams (a body is never
 * held in memory whole), publishes atomically (readers never see a half-written object) and never
 * overwrites: `put` of an existing key fails with ObjectExistsError, and of two concurrent writers of
 * one key exactly one wins.
 */
export abstract class ObjectStore {
  abstract readonly kind: 'file' | 's3' | 'gcs';
  /** The store's address for messages and logs (`file:///dir`, `s3://bucket/prefix`, `gs://bucket/prefix`). */
  abstract readonly location: string;

  abstract put(key: string, body: Readable): Promise<StoredObject>;
  /** Rejects with ObjectNotFoundError before any byte is streamed when the key does not exist. */
  abstract get(key: string): Promise<Readable>;
  abstract head(key: string): Promise<StoredObject | undefined>;
  /** One page of keys under `prefix`, in key order. */
  abstract listPage(prefix: string, options?: { pageToken?: string; limit?: number }): Promise<ObjectPage>;
  /** Removes an object; a missing key is not an error. */
  abstract delete(key: string): Promise<void>;

  /** Every object under `prefix`, page by page (constant memory per page). */
  async *iterate(prefix: string, pageSize = 1000): AsyncGenerator<StoredObject> {
    let pageToken: string | undefined;
    do {
      const page = await this.listPage(prefix, { pageToken, limit: pageSize });
      yield* page.items;
      pageToken = page.nextPageToken;
    } while (pageToken);
  }

  /** Every object under `prefix`, in key order (for short listings such as backups). */
  async list(prefix: string): Promise<StoredObject[]> {
    const out: StoredObject[] = [];
    for await (const o of this.iterate(prefix)) out.push(o);
    return out;
  }

  /** Where an object is, for messages: `s3://bucket/prefix/key`. */
  describe(key: string): string {
    return `${this.location.replace(/\/$/, '')}/${key}`;
  }
}

/** Drops anything credential-shaped from a provider's error message before it reaches ours. */
export function scrubProviderMessage(message: string): string {
  return message
    .replace(/\b(A[SK]IA|GOOG)[A-Z0-9]{12,}\b/g, '[key id]')
    .replace(/(Signature|X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|access_token|upload_id)=[^&\s"']+/gi, '$1=[redacted]')
    .replace(/Bearer\s+[A-Za-z0-9._~+/=-]+/g, 'Bearer [redacted]')
    .replace(/:\/\/[^/\s:@]+:[^@\s]+@/g, '://[credentials]@')
    .slice(0, 300);
}
