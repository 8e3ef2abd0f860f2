import { CacheStore, RedisCacheStore } from '@avn/cache';
import { MetricsService } from '@avn/observability';
import { RedisVersionedEntries } from './redis-versioned-entries';
import { StoreVersionedEntries, VersionedEntries } from './versioned-entries';

/** Redis: one Lua round trip per read (`RedisVersionedEntries`); otherwise the store's own calls. */
export function openVersionedEntries(store: CacheStore, metrics?: MetricsService): VersionedEntries {
  const recordRead = metrics?.recordCacheRead ?? (() => undefined);
  return store instanceof RedisCacheStore ? new RedisVersionedEntries(store, recordRead) : new StoreVersionedEntries(store, recordRead);
}

/** The one VersionedEntries of the process, over the process's cache store. */
export const VERSIONED_ENTRIES_PROVIDER = {
  provide: VersionedEntries,
  useFactory: openVersionedEntries,
  inject: [CacheStore, MetricsService],
};
