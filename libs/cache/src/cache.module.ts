import { DynamicModule, Global, Module, OnApplicationShutdown } from '@nestjs/common';
import { CacheStore } from './cache-store';

/** Owns the one cache client of the process and closes it on shutdown. */
@Global()
@Module({})
export class CacheModule implements OnApplicationShutdown {
  constructor(private readonly store: CacheStore) {}

  static forRoot(store: CacheStore): DynamicModule {
    return { module: CacheModule, providers: [{ provide: CacheStore, useValue: store }], exports: [CacheStore] };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}
