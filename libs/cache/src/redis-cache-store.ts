import Redis, { RedisOptions } from 'ioredis';
import { CacheReadRecorder, CacheStore, CacheUnavailableError } from './cache-store';
import { RedisTurnBatch, SET_MANY_COMMAND } from './redis-turn-batch';

const CAS_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if (ARGV[1] == '1' and current ~= false) or (ARGV[1] == '0' and current ~= ARGV[2]) then return 0 end
if tonumber(ARGV[4]) > 0 then redis.call('SET', KEYS[1], ARGV[3], 'EX', ARGV[4]) else redis.call('SET', KEYS[1], ARGV[3]) end
return 1`;

const INCR_SCRIPT = `
local v = redis.call('INCR', KEYS[1])
if v == 1 and tonumber(ARGV[1]) > 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return v`;

/** Hot-path (in-turn) commands not answered within this are failed (callers then degrade). */
const TURN_TIMEOUT_MS = 300;

type ScriptedRedis = Redis & {
  avnCas(key: string, expectAbsent: string, expected: string, value: string, ttl: number): Promise<number>;
  avnIncr(key: string, ttl: number): Promise<number>;
};

export interface RedisCacheStoreOptions {
  url: string;
  keyPrefix: string;
  recordRead?: CacheReadRecorder;
  log?: (level: 'info' | 'warn', message: string) => void;
  /** Bound on hot-path (in-turn) commands, default 300 ms. */
  turnTimeoutMs?: number;
}

/**
 * Redis-backed CacheStore. Commands fail fast while Redis is down (no offline queue, one retry),
 * so a request never hangs on the cache; ioredis keeps reconnecting in the background. Hot paths
 * batch per event-loop turn (`RedisTurnBatch`) and may run their own scripts (`defineScript`,
 * `commandInTurn`): the GetUserDetails versioned entries are built on that, in @avn/user-details.
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
  private readonly turn: RedisTurnBatch;

  constructor(private readonly options: RedisCacheStoreOptions) {
    super();
    this.recordRead = options.recordRead ?? (() => undefined);
    this.client = new Redis(options.url, this.clientOptions()) as ScriptedRedis;
    this.client.defineCommand('avnCas', { numberOfKeys: 1, lua: CAS_SCRIPT });
    this.client.defineCommand('avnIncr', { numberOfKeys: 1, lua: INCR_SCRIPT });
    this.client.defineCommand(SET_MANY_COMMAND, { lua: RedisTurnBatch.SET_MANY_LUA }); // number of keys passed first
    this.turn = new RedisTurnBatch(() => this.client.pipeline(), options.turnTimeoutMs ?? TURN_TIMEOUT_MS);
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

  /** The configured key prefix (scripts that build key names themselves need it). */
  get keyPrefix(): string {
    return this.options.keyPrefix;
  }

  /**
   * Defines a Lua script as command `name` (EVALSHA, loaded on first use); `numberOfKeys` undefined:
   * the caller passes the number of keys first. Run it with `commandInTurn`.
   */
  defineScript(name: string, lua: string, numberOfKeys?: number): void {
    this.client.defineCommand(name, numberOfKeys === undefined ? { lua } : { numberOfKeys, lua });
  }

  /** A command or defined script, sent with the turn's batch (bounded like `mgetInTurn`). */
  commandInTurn(name: string, args: Array<string | number>): Promise<unknown> {
    return this.turn.command(name, args);
  }

  mgetInTurn(keys: readonly string[]): Promise<(string | null)[]> {
    return this.turn.mget(keys);
  }

  setInTurn(key: string, value: string, ttlSeconds: number): Promise<void> {
    return this.turn.set(key, value, ttlSeconds);
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
