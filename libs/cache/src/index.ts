export * from './cache-store';
export * from './cache-keys';
export * from './memory-cache-store';
export * from './redis-cache-store';
export * from './cache.module';
export * from './open-cache';
export * from './redis-turn-batch';
