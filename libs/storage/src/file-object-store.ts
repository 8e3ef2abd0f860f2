import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { link, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import {
  assertObjectKey,
  assertObjectPrefix,
  ObjectExistsError,
  ObjectNotFoundError,
  ObjectPage,
  ObjectStore,
  ObjectStoreError,
  StoredObject,
} from './object-store';

const PARTIAL = '.partial-';

const isErrno = (e: unknown, code: string): boolean => (e as NodeJS.ErrnoException | undefined)?.code === code;

/**
 * A local directory (`file:///abs/dir`, the default under DATA_DIR). A write goes to a private
 * temporary file which is then hard-linked to its name: link(2) fails when the name exists, so
 * publication is atomic and of two concurrent writers exactly one wins.
 */
export class FileObjectStore extends ObjectStore {
  readonly kind = 'file' as const;
  readonly root: string;
  readonly location: string;

  constructor(root: string) {
    super();
    this.root = resolve(root);
    this.location = pathToFileURL(this.root).href;
  }

  private path(key: string): string {
    assertObjectKey(key);
    const path = resolve(this.root, key);
    if (!path.startsWith(this.root + sep)) throw new ObjectStoreError('object key escapes the store');
    return path;
  }

  async put(key: string, body: Readable): Promise<StoredObject> {
    const path = this.path(key);
    // Fail before streaming a large body whose write could only be refused at the end.
    if (await this.head(key)) {
      body.destroy();
      throw new ObjectExistsError(this.describe(key));
    }
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const tmp = `${path}${PARTIAL}${process.pid}-${randomBytes(6).toString('hex')}`;
    try {
      await pipeline(body, createWriteStream(tmp, { mode: 0o600, flags: 'wx' }));
      await link(tmp, path);
    } catch (error) {
      if (isErrno(error, 'EEXIST')) throw new ObjectExistsError(this.describe(key));
      throw error instanceof ObjectStoreError
        ? error
        : new ObjectStoreError(`writing ${this.describe(key)} failed: ${(error as Error).message}`);
    } finally {
      await rm(tmp, { force: true });
    }
    const s = await stat(path);
    return { key, size: s.size, modifiedAt: s.mtime };
  }

  async get(key: string): Promise<Readable> {
    const path = this.path(key);
    try {
      await stat(path); // ENOENT as a rejection here, not as a stream error later
    } catch (error) {
      if (isErrno(error, 'ENOENT')) throw new ObjectNotFoundError(this.describe(key));
      throw error;
    }
    return createReadStream(path);
  }

  async head(key: string): Promise<StoredObject | undefined> {
    try {
      const s = await stat(this.path(key));
      return s.isFile() ? { key, size: s.size, modifiedAt: s.mtime } : undefined;
    } catch (error) {
      if (isErrno(error, 'ENOENT') || isErrno(error, 'ENOTDIR')) return undefined;
      throw error;
    }
  }

  /** Walks the directory under the prefix; the page token is the last key returned. */
  async listPage(prefix: string, options: { pageToken?: string; limit?: number } = {}): Promise<ObjectPage> {
    assertObjectPrefix(prefix);
    const limit = options.limit ?? 1000;
    // Walk from the deepest directory the prefix names; filter the rest by key.
    const dirPart = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const base = dirPart ? this.path(dirPart) : this.root;
    const keys: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        if (isErrno(error, 'ENOENT') || isErrno(error, 'ENOTDIR')) return;
        throw error;
      }
      for (const e of entries) {
        const full = join(dir, e.name);
        if (e.isDirectory()) await walk(full);
        else if (e.isFile() && !e.name.includes(PARTIAL)) {
          const key = relative(this.root, full).split(sep).join('/');
          if (key.startsWith(prefix) && (!options.pageToken || key > options.pageToken)) keys.push(key);
        }
      }
    };
    await walk(base);
    keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const items: StoredObject[] = [];
    for (const key of keys.slice(0, limit)) {
      const o = await this.head(key);
      if (o) items.push(o);
    }
    return { items, nextPageToken: keys.length > limit ? keys[limit - 1] : undefined };
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }
}
