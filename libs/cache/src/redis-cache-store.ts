import Redis, { RedisOptions } from 'ioredis';
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
local e = redis.call('GET', KEYS[1])
local prefix = ARGV[1]
local names, recorded = {}, {}
local body = false
if e then
  local nl = string.find(e, '\\n', 1, true)
  if nl then
    for k, v in string.gmatch(string.sub(e, 1, nl - 1), '(%S+) (%S+)') do
      names[#names + 1] = k
      recorded[#recorded + 1] = v
    end
    body = string.sub(e, nl + 1)
  end
end
local n = #names
if n > 0 then
  local full = {}
  for i = 1, n do full[i] = prefix .. names[i] end
  local cur = redis.call('MGET', unpack(full))
  local fresh = true
  for i = 1, n do
    if (cur[i] or '0') ~= recorded[i] then fresh = false break end
  end
  if fresh then
    -- Fresh: the recorded versions are the current ones; only counters the entry lacks are read.
    local out, rec, missing = {1, body}, {}, {}
    for i = 1, n do rec[names[i]] = recorded[i] end
    for i = 2, #ARGV do
      if rec[ARGV[i]] then out[#out + 1] = ARGV[i] out[#out + 1] = rec[ARGV[i]] else missing[#missing + 1] = ARGV[i] end
    end
    if #missing > 0 then
      local full = {}
      for i = 1, #missing do full[i] = prefix .. missing[i] end
      local cur = redis.call('MGET', unpack(full))
      for i = 1, #missing do out[#out + 1] = missing[i] out[#out + 1] = cur[i] or '0' end
    end
    return out
  end
end
local seen, all = {}, {}
for i = 2, #ARGV do if not seen[ARGV[i]] then seen[ARGV[i]] = true all[#all + 1] = ARGV[i] end end
for i = 1, n do if not seen[names[i]] then seen[names[i]] = true all[#all + 1] = names[i] end end
local out = {0}
if #all > 0 then
  local full = {}
  for i = 1, #all do full[i] = prefix .. all[i] end
  local cur = redis.call('MGET', unpack(full))
  for i = 1, #all do out[#out + 1] = all[i] out[#out + 1] = cur[i] or '0' end
end
return out`;

type ScriptedRedis = Redis & {
  avnReadVersioned(key: string, prefix: string, ...counters: string[]): Promise<Array<string | number>>;
  avnCas(key: string, expectAbsent: string, expected: string, value: string, ttl: number): Promise<number>;
  avnIncr(key: string, ttl: number): Promise<number>;
};

export interface RedisCacheStoreOptions {
  url: string;
  keyPrefix: string;
  recordRead?: CacheReadRecorder;
  log?: (level: 'info' | 'warn', message: string) => void;
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

  constructor(private readonly options: RedisCacheStoreOptions) {
    super();
    this.recordRead = options.recordRead ?? (() => undefined);
    this.client = new Redis(options.url, this.clientOptions()) as ScriptedRedis;
    this.client.defineCommand('avnCas', { numberOfKeys: 1, lua: CAS_SCRIPT });
    this.client.defineCommand('avnIncr', { numberOfKeys: 1, lua: INCR_SCRIPT });
    this.client.defineCommand('avnReadVersioned', { numberOfKeys: 1, lua: READ_VERSIONED_SCRIPT });
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

  async readVersioned(key: string, counters: readonly string[]): Promise<VersionedRead> {
    const reply = await this.guard(() => this.client.avnReadVersioned(key, this.options.keyPrefix, ...counters), true);
    const hit = reply[0] === 1;
    this.recordRead(hit ? 'hit' : 'miss');
    const versions = new Map<string, string>();
    for (let i = hit ? 2 : 1; i + 1 < reply.length; i += 2) versions.set(reply[i] as string, reply[i + 1] as string);
    return { value: hit ? (reply[1] as string) : null, versions };
  }

  async writeVersioned(key: string, versions: ReadonlyArray<readonly [string, string]>, value: string, ttlSeconds: number): Promise<void> {
    const entry = encodeVersioned(versions, value);
    await this.guard(() => (ttlSeconds > 0 ? this.client.set(key, entry, 'EX', ttlSeconds) : this.client.set(key, entry)));
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

  private async guard<T>(fn: () => Promise<T>, isRead = false): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (isRead) this.recordRead('error');
      throw new CacheUnavailableError(error);
    }
  }
}
