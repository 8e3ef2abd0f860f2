import type { ChainableCommander } from 'ioredis';
import { CacheUnavailableError } from './cache-store';

/** One command waiting for the next turn's pipeline. */
interface Queued {
  add(pipeline: ChainableCommander): void;
  settle(error: Error | null, reply: unknown): void;
}

/** An `mgetInTurn` call waiting for the next turn. */
interface PendingMget {
  keys: readonly string[];
  resolve(values: Array<string | null>): void;
  reject(error: Error): void;
}

/** A `setInTurn` call waiting for the next turn. */
interface PendingSet {
  key: string;
  value: string;
  ttlSeconds: number;
  resolve(): void;
  reject(error: Error): void;
}

/** Script name of the grouped SET (see `RedisTurnBatch.SET_MANY_LUA`): the store defines it. */
export const SET_MANY_COMMAND = 'avnSetMany';

/**
 * Hot-path commands queued during one event-loop turn, sent as ONE pipeline (setImmediate), so the
 * requests parsed in one I/O phase cost one socket write and one Redis read instead of one each
 * (ioredis' auto-pipelining flushes per tick, i.e. per request). In a batch: the SETs first (one
 * command per TTL), then the queued commands in order, then every MGET as one deduplicated MGET.
 * Order across turns is kept: a command queued after a write's reply is sent after it. A batch not
 * answered within `timeoutMs` fails with a CacheUnavailableError (timedOut), callers then degrade.
 */
export class RedisTurnBatch {
  /** One SET per key with a shared TTL (0 = none): fewer command objects and replies than one SET each. */
  static readonly SET_MANY_LUA = `
local ttl = tonumber(ARGV[1])
for i = 1, #KEYS do
  if ttl > 0 then redis.call('SET', KEYS[i], ARGV[i + 1], 'EX', ttl) else redis.call('SET', KEYS[i], ARGV[i + 1]) end
end
return #KEYS`;

  private commands: Queued[] = [];
  private mgets: PendingMget[] = [];
  private sets: PendingSet[] = [];
  private scheduled = false;

  constructor(
    private readonly pipeline: () => ChainableCommander,
    private readonly timeoutMs: number,
  ) {}

  /** `name` is a command or a script defined on the client (ioredis adds it to pipelines). */
  command(name: string, args: Array<string | number>): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.commands.push({
        add: (pipeline) => (pipeline as unknown as Record<string, (...a: unknown[]) => unknown>)[name](...args),
        settle: (error, reply) => (error ? reject(error) : resolve(reply)),
      });
      this.schedule();
    });
  }

  mget(keys: readonly string[]): Promise<Array<string | null>> {
    if (keys.length === 0) return Promise.resolve([]); // an MGET needs at least one key
    return new Promise((resolve, reject) => {
      this.mgets.push({ keys, resolve, reject });
      this.schedule();
    });
  }

  set(key: string, value: string, ttlSeconds: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.sets.push({ key, value, ttlSeconds: Math.max(0, Math.floor(ttlSeconds)), resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.flush);
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    const batch = this.sets.length > 0 ? [...setBatches(this.sets), ...this.commands] : this.commands;
    const mget = mgetBatch(this.mgets);
    if (mget) batch.push(mget);
    this.sets = [];
    this.commands = [];
    this.mgets = [];
    let settled = false;
    const settleAll = (error: Error | null, results: Array<[Error | null, unknown]> | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      for (let i = 0; i < batch.length; i++) {
        const [itemError, reply] = results?.[i] ?? [error, null];
        if (itemError) batch[i].settle(itemError instanceof CacheUnavailableError ? itemError : new CacheUnavailableError(itemError), null);
        else batch[i].settle(null, reply);
      }
    };
    // Failed from the check phase: a reply that arrived while the event loop was busy is handled
    // (poll phase) first, so CPU starvation alone is not mistaken for an outage.
    const timer = setTimeout(
      () => setImmediate(() => settleAll(new CacheUnavailableError(new Error(`no answer within ${this.timeoutMs} ms`), true), null)),
      this.timeoutMs,
    );
    const pipeline = this.pipeline();
    for (const item of batch) item.add(pipeline);
    pipeline.exec().then(
      (results) => settleAll(null, results as Array<[Error | null, unknown]>),
      (error: unknown) => settleAll(new CacheUnavailableError(error), null),
    );
  };
}

/** Every MGET of the turn as one MGET of the distinct keys (hot-path reads share many keys). */
function mgetBatch(reads: PendingMget[]): Queued | null {
  if (reads.length === 0) return null;
  const slots = new Map<string, number>();
  const keys: string[] = [];
  for (const read of reads) {
    for (const key of read.keys) {
      if (!slots.has(key)) {
        slots.set(key, keys.length);
        keys.push(key);
      }
    }
  }
  return {
    add: (pipeline) => pipeline.mget(...keys),
    settle: (error, reply) => {
      const values = reply as Array<string | null> | null;
      for (const read of reads) {
        if (error || !values) read.reject(error ?? new CacheUnavailableError());
        else read.resolve(read.keys.map((k) => values[slots.get(k)!]));
      }
    },
  };
}

/** The turn's SETs, one command per distinct TTL (in practice one). */
function setBatches(sets: PendingSet[]): Queued[] {
  const byTtl = new Map<number, PendingSet[]>();
  for (const set of sets) {
    const group = byTtl.get(set.ttlSeconds);
    if (group) group.push(set);
    else byTtl.set(set.ttlSeconds, [set]);
  }
  return [...byTtl].map(([ttl, group]) => ({
    add: (pipeline) => {
      if (group.length === 1) {
        const [{ key, value }] = group;
        return ttl > 0 ? pipeline.set(key, value, 'EX', ttl) : pipeline.set(key, value);
      }
      const args: string[] = group.map((s) => s.key);
      args.push(String(ttl));
      for (const s of group) args.push(s.value);
      return (pipeline as unknown as Record<string, (...a: unknown[]) => unknown>)[SET_MANY_COMMAND](group.length, ...args);
    },
    settle: (error) => {
      for (const set of group) {
        if (error) set.reject(error);
        else set.resolve();
      }
    },
  }));
}
