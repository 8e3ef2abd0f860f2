import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppConfig } from '@avn/config';

export interface StoredObject {
  key: string;
  size: number;
  modifiedAt: Date;
}

/**
 * Where archives and backups go. Keys are '/'-separated relative names. Only a local directory is
 * implemented; an S3/GCS store implements the same four calls (put must be atomic: readers never
 * see a half-written object).
 */
export abstract class ObjectStore {
  abstract readonly kind: string;
  abstract put(key: string, body: Readable): Promise<StoredObject>;
  abstract get(key: string): Promise<Readable>;
  abstract list(prefix: string): Promise<StoredObject[]>;
  abstract delete(key: string): Promise<void>;
}

const KEY_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;

export function assertObjectKey(key: string): void {
  if (!KEY_RE.test(key) || key.split('/').some((p) => p === '..' || p === '.'))
    throw new Error(`invalid object key ${JSON.stringify(key)}`);
}

export class LocalObjectStore extends ObjectStore {
  readonly kind = 'local';
  readonly root: string;

  constructor(root: string) {
    super();
    this.root = resolve(root);
  }

  private path(key: string): string {
    assertObjectKey(key);
    const path = resolve(this.root, key);
    if (!path.startsWith(this.root + sep)) throw new Error('object key escapes the store');
    return path;
  }

  async put(key: string, body: Readable): Promise<StoredObject> {
    const path = this.path(key);
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const tmp = `${path}.partial-${process.pid}-${Date.now()}`;
    try {
      await pipeline(body, createWriteStream(tmp, { mode: 0o600 }));
      await rename(tmp, path); // atomic publish
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
    const s = await stat(path);
    return { key, size: s.size, modifiedAt: s.mtime };
  }

  async get(key: string): Promise<Readable> {
    const path = this.path(key);
    await stat(path); // ENOENT as a rejection here, not as a stream error later
    return createReadStream(path);
  }

  async list(prefix: string): Promise<StoredObject[]> {
    const base = prefix ? this.path(prefix.replace(/\/$/, '')) : this.root;
    const out: StoredObject[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const full = join(dir, e.name);
        if (e.isDirectory()) await walk(full);
        else if (e.isFile() && !e.name.includes('.partial-')) {
          const s = await stat(full);
          out.push({ key: relative(this.root, full).split(sep).join('/'), size: s.size, modifiedAt: s.mtime });
        }
      }
    };
    await walk(base);
    return out.sort((a, b) => a.key.localeCompare(b.key));
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }
}

export const objectStoreFactory = {
  provide: ObjectStore,
  inject: [AppConfig],
  useFactory: (config: AppConfig): ObjectStore =>
    new LocalObjectStore(config.OBJECT_STORE_DIR ?? join(config.DATA_DIR === 'memory://' ? '.data' : config.DATA_DIR, 'objects')),
};
