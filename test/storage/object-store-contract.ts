import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { ObjectExistsError, ObjectNotFoundError, ObjectStore, ObjectStoreError } from '@avn/storage';

export async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

const body = (text: string | Buffer): Readable => Readable.from([Buffer.isBuffer(text) ? text : Buffer.from(text)]);

/** A generated stream of `total` random bytes in 1 MiB chunks; `digest()` is the SHA-256 of what was produced. */
function generated(total: number) {
  const hash = createHash('sha256');
  let left = total;
  const stream = new Readable({
    read() {
      if (left <= 0) return void this.push(null);
      const chunk = randomBytes(Math.min(left, 1024 * 1024));
      left -= chunk.length;
      hash.update(chunk);
      this.push(chunk);
    },
  });
  return { stream, digest: () => hash.digest('hex') };
}

/** Samples RSS while `work` runs; resolves to its result and the peak growth over the start (bytes). */
async function peakRssGrowth<T>(work: () => Promise<T>): Promise<{ result: T; growth: number }> {
  const start = process.memoryUsage.rss();
  let peak = start;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, growth: peak - start };
  } finally {
    clearInterval(timer);
  }
}

export interface ContractTarget {
  store: ObjectStore;
  close(): Promise<void>;
}

/**
 * The behaviour every ObjectStore must have, run against each implementation over its real
 * protocol: round trip, immutability, concurrent writers, missing objects, pagination, a large
 * streamed object with bounded memory, a failing source.
 */
export function objectStoreContract(open: () => Promise<ContractTarget>, largeObjectBytes = 160 * 1024 * 1024): void {
  let target: ContractTarget;
  let store: ObjectStore;
  // Every test uses its own prefix so the order of tests never matters.
  const ns = () => `c${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    target = await open();
    store = target.store;
  });
  afterAll(async () => target?.close());

  it('puts, heads, gets, lists and deletes', async () => {
    const p = ns();
    const stored = await store.put(`${p}/a/one.bin`, body('hello'));
    expect(stored).toMatchObject({ key: `${p}/a/one.bin`, size: 5 });
    expect(stored.modifiedAt.getTime()).toBeGreaterThan(Date.now() - 3_600_000);
    await store.put(`${p}/a/two.bin`, body('world!'));
    await store.put(`${p}/b/three.bin`, body(''));
    expect(await store.head(`${p}/a/two.bin`)).toMatchObject({ key: `${p}/a/two.bin`, size: 6 });
    expect((await readAll(await store.get(`${p}/a/one.bin`))).toString()).toBe('hello');
    expect((await readAll(await store.get(`${p}/b/three.bin`))).length).toBe(0);
    expect((await store.list(`${p}/a/`)).map((o) => [o.key, o.size])).toEqual([
      [`${p}/a/one.bin`, 5],
      [`${p}/a/two.bin`, 6],
    ]);
    expect((await store.list(`${p}/`)).map((o) => o.key)).toEqual([`${p}/a/one.bin`, `${p}/a/two.bin`, `${p}/b/three.bin`]);
    await store.delete(`${p}/a/one.bin`);
    expect(await store.head(`${p}/a/one.bin`)).toBeUndefined();
    expect((await store.list(`${p}/a/`)).map((o) => o.key)).toEqual([`${p}/a/two.bin`]);
  });

  it('never overwrites: a second write of a key fails and the first content stays', async () => {
    const key = `${ns()}/immutable.bin`;
    await store.put(key, body('first'));
    const second = store.put(key, body('second'));
    await expect(second).rejects.toBeInstanceOf(ObjectExistsError);
    await expect(second).rejects.toThrow(store.describe(key));
    expect((await readAll(await store.get(key))).toString()).toBe('first');
  });

  it('of concurrent writers of one key, exactly one wins and its content is what is read', async () => {
    const key = `${ns()}/race.bin`;
    // Large enough that the uploads overlap (S3: multipart; GCS: several resumable chunks).
    const bodies = Array.from({ length: 4 }, () => randomBytes(12 * 1024 * 1024));
    const results = await Promise.allSettled(bodies.map((b) => store.put(key, Readable.from([b.subarray(0, 6e6), b.subarray(6e6)]))));
    const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    expect(won).toHaveLength(1);
    for (const r of results)
      if (r.status === 'rejected') {
        expect(r.reason).toBeInstanceOf(ObjectExistsError);
      }
    expect((await readAll(await store.get(key))).equals(bodies[won[0]])).toBe(true);
    expect((await store.list(key.slice(0, key.indexOf('/') + 1))).map((o) => o.key)).toEqual([key]);
  });

  it('reports a missing object as not found, naming it', async () => {
    const key = `${ns()}/missing.bin`;
    const get = store.get(key);
    await expect(get).rejects.toBeInstanceOf(ObjectNotFoundError);
    await expect(get).rejects.toThrow(store.describe(key));
    expect(await store.head(key)).toBeUndefined();
    await expect(store.delete(key)).resolves.toBeUndefined();
    expect(await store.list(`${key}/`)).toEqual([]);
  });

  it('refuses keys that could escape or confuse the store', async () => {
    for (const key of ['../x', '/etc/passwd', 'a/../b', 'a//b', '.hidden', 'a/', '', 'sp ace']) {
      await expect(store.put(key, body('x'))).rejects.toBeInstanceOf(ObjectStoreError);
    }
  });

  it('lists page by page, in key order, with a continuation token', async () => {
    const p = ns();
    const keys = Array.from({ length: 23 }, (_, i) => `${p}/k${String(i).padStart(3, '0')}`);
    for (const k of keys) await store.put(k, body(k));
    const first = await store.listPage(`${p}/`, { limit: 10 });
    expect(first.items.map((o) => o.key)).toEqual(keys.slice(0, 10));
    expect(first.nextPageToken).toBeDefined();
    const second = await store.listPage(`${p}/`, { limit: 10, pageToken: first.nextPageToken });
    expect(second.items.map((o) => o.key)).toEqual(keys.slice(10, 20));
    const third = await store.listPage(`${p}/`, { limit: 10, pageToken: second.nextPageToken });
    expect(third.items.map((o) => o.key)).toEqual(keys.slice(20));
    expect(third.nextPageToken).toBeUndefined();
    const all: string[] = [];
    for await (const o of store.iterate(`${p}/`, 7)) all.push(o.key);
    expect(all).toEqual(keys);
  });

  it('a source that fails mid-stream leaves no object behind', async () => {
    const key = `${ns()}/broken.bin`;
    let sent = 0;
    const failing = new Readable({
      read() {
        if (sent++ < 3) this.push(randomBytes(1024 * 1024));
        else this.destroy(new Error('source broke'));
      },
    });
    await expect(store.put(key, failing)).rejects.toThrow();
    expect(await store.head(key)).toBeUndefined();
    // The key is still free.
    await store.put(key, body('after'));
    expect((await readAll(await store.get(key))).toString()).toBe('after');
  });

  it(`streams a ${largeObjectBytes >> 20} MiB object both ways with bounded memory`, async () => {
    const key = `${ns()}/large.bin`;
    const source = generated(largeObjectBytes);
    const { result: stored, growth: putGrowth } = await peakRssGrowth(() => store.put(key, source.stream));
    expect(stored.size).toBe(largeObjectBytes);
    const { result: digest, growth: getGrowth } = await peakRssGrowth(async () => {
      const hash = createHash('sha256');
      for await (const chunk of await store.get(key)) hash.update(chunk as Buffer);
      return hash.digest('hex');
    });
    expect(digest).toBe(source.digest());
    // Holding the object would cost at least its size; a streaming store stays far below half of it.
    expect(putGrowth).toBeLessThan(largeObjectBytes / 2);
    expect(getGrowth).toBeLessThan(largeObjectBytes / 2);
    await store.delete(key);
  }, 300_000);
}
