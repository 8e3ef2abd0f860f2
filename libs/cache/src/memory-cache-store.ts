import { EventEmitter } from 'node:events';
import { CacheReadRecorder, CacheStore } from './cache-store';

interface Entry {
  value: string;
  expiresAt: number; // 0 = never
}

/**
 * In-process cache for the embedded default (a single instance, so pub/sub is an EventEmitter).
 * Same semantics as the Redis store, including atomic compare-and-set (trivially atomic here:
 * each method runs to completion on the event loop).
 */
export class MemoryCacheStore extends CacheStore {
  readonly kind = 'memory' as const;
  private readonly entries = new Map<string, Entry>();
  private readonly bus = new EventEmitter();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly recordRead: CacheReadRecorder = () => undefined) {
    super();
    this.bus.setMaxListeners(0);
    this.sweeper = setInterval(() => this.sweep(), 30_000);
    this.sweeper.unref();
  }

  async get(key: string): Promise<string | null> {
    const value = this.read(key);
    this.recordRead(value === null ? 'miss' : 'hit');
    return value;
  }

  async mget(keys: string[]): Promise<(string | null)[]> {
    const values = keys.map((k) => this.read(k));
    const hits = values.filter((v) => v !== null).length;
    if (hits) this.recordRead('hit', hits);
    if (values.length - hits) this.recordRead('miss', values.length - hits);
    return values;
  }

  async set(key: string, value: string, ttlSeconds?: number): Promise<void> {
    this.write(key, value, ttlSeconds);
  }

  async setIfAbsent(key: string, value: string, ttlSeconds?: number): Promise<boolean> {
    if (this.read(key) !== null) return false;
    this.write(key, value, ttlSeconds);
    return true;
  }

  async compareAndSet(key: string, expected: string | null, value: string, ttlSeconds?: number): Promise<boolean> {
    if (this.read(key) !== expected) return false;
    this.write(key, value, ttlSeconds);
    return true;
  }

  async del(...keys: string[]): Promise<number> {
    let removed = 0;
    for (const key of keys) if (this.read(key) !== null && this.entries.delete(key)) removed++;
    return removed;
  }

  async incr(key: string, ttlSeconds?: number): Promise<number> {
    const current = this.read(key);
    if (current !== null && !/^-?\d+$/.test(current)) throw new Error('value is not an integer');
    const next = (current === null ? 0 : Number(current)) + 1;
    if (current === null) this.write(key, String(next), ttlSeconds);
    else this.entries.get(key)!.value = String(next);
    return next;
  }

  async mgetInTurn(keys: readonly string[]): Promise<(string | null)[]> {
    return keys.map((k) => this.read(k));
  }

  async setInTurn(key: string, value: string, ttlSeconds: number): Promise<void> {
    this.write(key, value, ttlSeconds);
  }

  async ttl(key: string): Promise<number> {
    if (this.read(key) === null) return -2;
    const entry = this.entries.get(key)!;
    return entry.expiresAt === 0 ? -1 : Math.ceil((entry.expiresAt - Date.now()) / 1000);
  }

  async publish(channel: string, message: string): Promise<void> {
    // Asynchronous like a real broker: the publisher never runs subscribers inline.
    setImmediate(() => this.bus.emit(channel, message));
  }

  async subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>> {
    this.bus.on(channel, handler);
    return async () => {
      this.bus.off(channel, handler);
    };
  }

  async ping(): Promise<boolean> {
    return true;
  }

  onReconnect(): void {
    // Never disconnects.
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.entries.clear();
    this.bus.removeAllListeners();
  }

  private read(key: string): string | null {
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (entry.expiresAt !== 0 && entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return null;
    }
    return entry.value;
  }

  private write(key: string, value: string, ttlSeconds?: number): void {
    this.entries.set(key, { value, expiresAt: ttlSeconds && ttlSeconds > 0 ? Date.now() + ttlSeconds * 1000 : 0 });
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt !== 0 && entry.expiresAt <= now) this.entries.delete(key);
  }
}
