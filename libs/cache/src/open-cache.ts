import type { AppConfig } from '@avn/config';
import { CacheReadRecorder, CacheStore } from './cache-store';
import { MemoryCacheStore } from './memory-cache-store';
import { RedisCacheStore } from './redis-cache-store';

/** Redis when REDIS_URL is set, otherwise the in-process store (embedded default). */
export async function openCache(
  config: AppConfig,
  recordRead?: CacheReadRecorder,
  log?: (level: 'info' | 'warn', message: string) => void,
): Promise<CacheStore> {
  if (!config.REDIS_URL) return new MemoryCacheStore(recordRead);
  const store = new RedisCacheStore({ url: config.REDIS_URL, keyPrefix: config.CACHE_KEY_PREFIX, recordRead, log });
  if (!(await store.waitUntilReady(5000))) log?.('warn', 'cache not reachable at start-up; continuing degraded');
  return store;
}
