import Redis, { ChainableCommander, RedisOptions } from 'ioredis';
import { CacheReadRecorder, CacheStore, CacheUnavailableError, VersionedRead } from './cache-store';
import { encodeVersioned } from './versioned-entry';

const CAS_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if (ARGV[1] == '1' and current ~= false) or (ARGV[1] == '0' and current ~= ARGV[2]) then return 0 end
if tonumber(ARGV[4]) > 0 then redis.call('SET', KEYS[1], ARGV[3], 'EX', ARGV[4]) else redis.call('SET', KEYS[1], ARGV[3]) end
return 1`;

const INCR_SCRIPT = `
local v = redis.call('INCR', KEYS[1])
if v == 1 and tonumber(ARGV[1]) > 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return v`;

// Versioned read (see CacheStore.readVersioned). Counter keys live in the entry (unprefixed) and are
// prefixed here with ARGV[1]; they are not declared in KEYS, so this needs a standalone/Sentinel
// Redis (not Cluster), which is what the control plane supports.
const READ_VERSIONED_SCRIPT = `
local prefix = ARGV[1]
local e = redis.call('GET', KEYS[1])
local names, recorded = {}, {}
local nl, header = nil, false
if e then nl = string.find(e, '\\n', 1, true) end
if nl then
  header = string.sub(e, 1, nl - 1)
  for k, v in string.gmatch(header, '(%S+) (%S+)') do
    names[#names + 1] = k
    recorded[#recorded + 1] = v
  end
end
-- ONE MGET of every counter involved (the asked ones, then the entry's others, each once): the current
-- versions decide freshness and are what a miss returns; '0' when absent.
local slot, all = {}, {}
for i = 2, #ARGV do if not slot[ARGV[i]] then all[#all + 1] = ARGV[i] slot[ARGV[i]] = #all end end
for i = 1, #names do if not slot[names[i]] then all[#all + 1] = names[i] slot[names[i]] = #all end end
local values = {}
if #all > 0 then
  local full = {}
  for i = 1, #all do full[i] = prefix .. all[i] end
  values = redis.call('MGET', unpack(full))
  for i = 1, #all do values[i] = values[i] or '0' end
end
local fresh = #names > 0
for i = 1, #names do
  if values[slot[names[i]]] ~= recorded[i] then fresh = false break end
end
if fresh then
  -- The body is cut out only when served.
  local out = {1, string.sub(e, nl + 1), header}
  for i = 2, #ARGV do out[#out + 1] = ARGV[i] out[#out + 1] = values[slot[ARGV[i]]] end
  return out
end
local out = {0}
for i = 1, #all do out[#out + 1] = all[i] out[#out + 1] = values[i] end
return out`;

// Entry writes of one batch sharing a TTL: one script call instead of one SET command each (fewer
// command objects, promises and replies in the client, and fewer commands for Redis to dispatch).
const WRITE_MANY_SCRIPT = `
local ttl = tonumber(ARGV[1])
for i = 1, #KEYS do
  if ttl > 0 then redis.call('SET', KEYS[i], ARGV[i + 1], 'EX', ttl) else redis.call('SET', KEYS[i], ARGV[i + 1]) end
end
return #KEYS`;

/** Versioned reads and writes not answered within this are failed (callers then use PostgreSQL). */
const VERSIONED_TIMEOUT_MS = 300;

type ScriptedRedis = Redis & {
  avnReadVersioned(key: string, prefix: string, ...counters: string[]): Promise<Array<string | number>>;
  avnCas(key: string, expectAbsent: string, expected: string, value: string, ttl: number): Promise<number>;
  avnIncr(key: string, ttl: number): Promise<number>;
  avnWriteMany(numberOfKeys: number, ...keysThenTtlThenValues: string[]): Promise<number>;
};

/** The same scripts queued on a pipeline: they answer through the pipeline's exec, not a promise. */
type ScriptedPipeline = ChainableCommander & {
  avnReadVersioned(key: string, prefix: string, ...counters: string[]): ChainableCommander;
  avnWriteMany(numberOfKeys: number, ...keysThenTtlThenValues: string[]): ChainableCommander;
};

export interface RedisCacheStoreOptions {
  url: string;
  keyPrefix: string;
  recordRead?: CacheReadRecorder;
  log?: (level: 'info' | 'warn', message: string) => void;
  /** Bound on versioned reads/writes (hot path), default 300 ms. */
  versionedTimeoutMs?: number;
}

/** A `readCounters` call waiting for the next batch. */
interface PendingCounterRead {
  counters: readonly string[];
  resolve(values: string[]): void;
  reject(error: Error): void;
}

/** A `writeVersioned` call waiting for the next batch. */
interface PendingWrite {
  key: string;
  entry: string;
  ttlSeconds: number;
  resolve(): void;
  reject(error: Error): void;
}

/** A versioned read or write waiting for the next batch (see RedisCacheStore.flushBatch). */
interface Batched {
  isRead: boolean;
  add(pipeline: ChainableCommander): void;
  settle(error: Error | null, reply: unknown): void;
}

/**
 * Redis-backed CacheStore. Commands fail fast while Redis is down (no offline queue, one retry),
 * so a request never hangs on the cache; ioredis keeps reconnecting in the background.
 */
export class RedisCacheStore extends CacheStore {
  readonly kind = 'redis' as const;
  private readonly client: ScriptedRedis;
  private subscriber?: Redis;
  private readonly handlers = new Map<string, Set<(message: string) => void>>();
  private readonly reconnectListeners: Array<() => void> = [];
  private readonly recordRead: CacheReadRecorder;
  private wasReady = false;
  private lostConnection = false;
  private batch: Batched[] = [];
  private counterReads: PendingCounterRead[] = [];
  private writes: PendingWrite[] = [];
  private flushScheduled = false;
  private readonly versionedTimeoutMs: number;

  constructor(private readonly options: RedisCacheStoreOptions) {
    super();
    this.recordRead = options.recordRead ?? (() => undefined);
    this.versionedTimeoutMs = options.versionedTimeoutMs ?? VERSIONED_TIMEOUT_MS;
    this.client = new Redis(options.url, this.clientOptions()) as ScriptedRedis;
    this.client.defineCommand('avnCas', { numberOfKeys: 1, lua: CAS_SCRIPT });
    this.client.defineCommand('avnIncr', { numberOfKeys: 1, lua: INCR_SCRIPT });
    this.client.defineCommand('avnReadVersioned', { numberOfKeys: 1, lua: READ_VERSIONED_SCRIPT });
    this.client.defineCommand('avnWriteMany', { lua: WRITE_MANY_SCRIPT }); // number of keys passed first
    this.client.on('error', () => undefined); // state changes are reported below, errors per command
    this.client.on('ready', () => {
      if (this.wasReady && this.lostConnection) {
        options.log?.('info', 'cache connection restored');
        for (const listener of this.reconnectListeners) listener();
      }
      this.wasReady = true;
      this.lostConnection = false;
    });
    this.client.on('close', () => {
      if (this.wasReady && !this.lostConnection) options.log?.('warn', 'cache connection lost; reconnecting');
      if (this.wasReady) this.lostConnection = true;
    });
  }

  /** Waits (bounded) for the first connection; the app still starts, degraded, if Redis is down. */
  async waitUntilReady(timeoutMs = 5000): Promise<boolean> {
    if (this.client.status === 'ready') return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.client.off('ready', onReady);
        resolve(false);
      }, timeoutMs);
      const onReady = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.client.once('ready', onReady);
    });
  }

  async get(key: string): Promise<string | null> {
    const value = await this.guard(() => this.client.get(key), true);
    this.recordRead(value === null ? 'miss' : 'hit');
    return value;
  }

  async mget(keys: string[]): Promise<(string | null)[]> {
    if (keys.length === 0) return [];
    const values = await this.guard(() => this.client.mget(...keys), true);
    const hits = values.filter((v) => v !== null).length;
    if (hits) this.recordRead('hit', hits);
    if (values.length - hits) this.recordRead('miss', values.length - hits);
    return values;
  }

  async set(key: string, value: string, ttlSeconds?: number): Promise<void> {
    await this.guard(() => (ttlSeconds && ttlSeconds > 0 ? this.client.set(key, value, 'EX', ttlSeconds) : this.client.set(key, value)));
  }

  async setIfAbsent(key: string, value: string, ttlSeconds?: number): Promise<boolean> {
    const result = await this.guard(() =>
      ttlSeconds && ttlSeconds > 0 ? this.client.set(key, value, 'EX', ttlSeconds, 'NX') : this.client.set(key, value, 'NX'),
    );
    return result === 'OK';
  }

  async compareAndSet(key: string, expected: string | null, value: string, ttlSeconds = 0): Promise<boolean> {
    const result = await this.guard(() => this.client.avnCas(key, expected === null ? '1' : '0', expected ?? '', value, ttlSeconds));
    return result === 1;
  }

  async del(...keys: string[]): Promise<number> {
    if (keys.length === 0) return 0;
    return this.guard(() => this.client.del(...keys));
  }

  async incr(key: string, ttlSeconds = 0): Promise<number> {
    return this.guard(() => this.client.avnIncr(key, ttlSeconds));
  }

  readVersioned(key: string, counters: readonly string[]): Promise<VersionedRead> {
    return new Promise((resolve, reject) =>
      this.enqueue({
        isRead: true,
        add: (pipeline) => (pipeline as ScriptedPipeline).avnReadVersioned(key, this.options.keyPrefix, ...counters),
        settle: (error, reply) => {
          if (error) return reject(error);
          const items = reply as Array<string | number>;
          const hit = items[0] === 1;
          const versions = new Map<string, string>();
          for (let i = hit ? 3 : 1; i + 1 < items.length; i += 2) versions.set(items[i] as string, items[i + 1] as string);
          if (!hit) return resolve({ value: null, versions });
          const recorded: Array<[string, string]> = [];
          const header = (items[2] as string).split(' ');
          for (let i = 0; i + 1 < header.length; i += 2) recorded.push([header[i], header[i + 1]]);
          resolve({ value: items[1] as string, versions, recorded });
        },
      }),
    );
  }

  readCounters(counters: readonly string[]): Promise<string[]> {
    if (counters.length === 0) return Promise.resolve([]); // an MGET needs at least one key
    return new Promise((resolve, reject) => {
      this.counterReads.push({ counters, resolve, reject });
      this.scheduleFlush();
    });
  }

  writeVersioned(key: string, versions: ReadonlyArray<readonly [string, string]>, value: string, ttlSeconds: number): Promise<void> {
    const entry = encodeVersioned(versions, value);
    return new Promise((resolve, reject) => {
      this.writes.push({ key, entry, ttlSeconds: Math.max(0, Math.floor(ttlSeconds)), resolve, reject });
      this.scheduleFlush();
    });
  }

  async ttl(key: string): Promise<number> {
    return this.guard(() => this.client.ttl(key));
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.guard(() => this.client.publish(this.options.keyPrefix + channel, message));
  }

  async subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>> {
    const full = this.options.keyPrefix + channel;
    const subscriber = this.ensureSubscriber();
    let set = this.handlers.get(full);
    if (!set) {
      set = new Set();
      this.handlers.set(full, set);
      await subscriber.subscribe(full).catch(() => undefined); // re-subscribed by ioredis on reconnect
    }
    set.add(handler);
    return async () => {
      set!.delete(handler);
      if (set!.size === 0) {
        this.handlers.delete(full);
        await subscriber.unsubscribe(full).catch(() => undefined);
      }
    };
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.client.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  onReconnect(listener: () => void): void {
    this.reconnectListeners.push(listener);
  }

  async close(): Promise<void> {
    await Promise.all([this.client.quit().catch(() => this.client.disconnect()), this.subscriber?.quit().catch(() => undefined)]);
  }

  private ensureSubscriber(): Redis {
    if (!this.subscriber) {
      this.subscriber = new Redis(this.options.url, { ...this.clientOptions(), keyPrefix: undefined, enableOfflineQueue: true });
      this.subscriber.on('error', () => undefined);
      this.subscriber.on('message', (channel: string, message: string) => {
        for (const handler of this.handlers.get(channel) ?? []) handler(message);
      });
    }
    return this.subscriber;
  }

  private clientOptions(): RedisOptions {
    return {
      keyPrefix: this.options.keyPrefix,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      enableAutoPipelining: true,
      connectTimeout: 2000,
      commandTimeout: 2000,
      retryStrategy: (times) => Math.min(100 * times, 2000),
      lazyConnect: false,
    };
  }

  /**
   * Versioned reads and writes are the GetUserDetails hot path: they are queued and sent as one
   * pipeline per event-loop turn (setImmediate), so the requests parsed in one I/O phase cost one
   * socket write and one Redis read instead of one each (ioredis' auto-pipelining flushes per tick,
   * i.e. per request). Order is preserved: a read queued after a bump's reply is sent after it.
   */
  private enqueue(item: Batched): void {
    this.batch.push(item);
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(this.flushBatch);
  }

  /**
   * The batch's counter reads as one MGET of the distinct counters (every hot-path read shares the
   * global counters, and users of one team share its team and role counters).
   */
  private counterBatch(reads: PendingCounterRead[]): Batched | null {
    if (reads.length === 0) return null;
    const slots = new Map<string, number>();
    const keys: string[] = [];
    for (const read of reads) {
      for (const counter of read.counters) {
        if (!slots.has(counter)) {
          slots.set(counter, keys.length);
          keys.push(counter);
        }
      }
    }
    return {
      isRead: false, // hits and misses are counted by the caller's outcome, not per counter
      add: (pipeline) => pipeline.mget(...keys),
      settle: (error, reply) => {
        const values = reply as Array<string | null> | null;
        for (const read of reads) {
          if (error || !values) read.reject(error ?? new CacheUnavailableError());
          else read.resolve(read.counters.map((c) => values[slots.get(c)!] ?? '0'));
        }
      },
    };
  }

  /**
   * The batch's entry writes, one command per distinct TTL (in practice one), sent BEFORE the batch's
   * reads: a read queued in the same turn sees them. Either order would be correct (an entry is only
   * served while its recorded versions hold), this one is simply read-your-writes.
   */
  private writeBatches(writes: PendingWrite[]): Batched[] {
    const byTtl = new Map<number, PendingWrite[]>();
    for (const write of writes) {
      const group = byTtl.get(write.ttlSeconds);
      if (group) group.push(write);
      else byTtl.set(write.ttlSeconds, [write]);
    }
    return [...byTtl].map(([ttl, group]) => ({
      isRead: false,
      add: (pipeline) => {
        if (group.length === 1) {
          const [{ key, entry }] = group;
          return ttl > 0 ? pipeline.set(key, entry, 'EX', ttl) : pipeline.set(key, entry);
        }
        const args: string[] = group.map((w) => w.key);
        args.push(String(ttl));
        for (const w of group) args.push(w.entry);
        return (pipeline as ScriptedPipeline).avnWriteMany(group.length, ...args);
      },
      settle: (error) => {
        for (const write of group) {
          if (error) write.reject(error);
          else write.resolve();
        }
      },
    }));
  }

  private readonly flushBatch = (): void => {
    this.flushScheduled = false;
    const batch = this.writes.length > 0 ? [...this.writeBatches(this.writes), ...this.batch] : this.batch;
    this.writes = [];
    this.batch = [];
    const counters = this.counterBatch(this.counterReads);
    this.counterReads = [];
    if (counters) batch.push(counters);
    let settled = false;
    const settleAll = (error: Error | null, results: Array<[Error | null, unknown]> | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      let hits = 0;
      let misses = 0;
      let errors = 0;
      for (let i = 0; i < batch.length; i++) {
        const [itemError, reply] = results?.[i] ?? [error, null];
        if (itemError) {
          if (batch[i].isRead) errors++;
          batch[i].settle(itemError instanceof CacheUnavailableError ? itemError : new CacheUnavailableError(itemError), null);
          continue;
        }
        if (batch[i].isRead) {
          if ((reply as unknown[])[0] === 1) hits++;
          else misses++;
        }
        batch[i].settle(null, reply);
      }
      if (hits) this.recordRead('hit', hits);
      if (misses) this.recordRead('miss', misses);
      if (errors) this.recordRead('error', errors);
    };
    // Failed from the check phase: a reply that arrived while the event loop was busy is handled
    // (poll phase) first, so CPU starvation alone is not mistaken for an outage.
    const timer = setTimeout(
      () =>
        setImmediate(() => settleAll(new CacheUnavailableError(new Error(`no answer within ${this.versionedTimeoutMs} ms`), true), null)),
      this.versionedTimeoutMs,
    );
    const pipeline = this.client.pipeline();
    for (const item of batch) item.add(pipeline);
    pipeline.exec().then(
      (results) => settleAll(null, results as Array<[Error | null, unknown]>),
      (error: unknown) => settleAll(new CacheUnavailableError(error), null),
    );
  };

  private async guard<T>(fn: () => Promise<T>, isRead = false): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (isRead) this.recordRead('error');
      throw new CacheUnavailableError(error);
    }
  }
}
