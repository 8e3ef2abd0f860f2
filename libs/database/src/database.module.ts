import { DynamicModule, Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DatabaseService } from './database.service';
import type { DatabaseHandle } from './open-database';

export const DATABASE_HANDLE = Symbol('DATABASE_HANDLE');

/**
 * Owns the core database connection. The handle is opened (and migrated) before Nest starts, so a
 * bad URL or a failed migration stops the process with a clear message instead of a half-started app.
 */
@Global()
@Module({})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(DATABASE_HANDLE) private readonly handle: DatabaseHandle) {}

  static forRoot(handle: DatabaseHandle): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        { provide: DATABASE_HANDLE, useValue: handle },
        { provide: DataSource, useValue: handle.dataSource },
        { provide: DatabaseService, useFactory: () => new DatabaseService(handle.dataSource) },
      ],
      exports: [DATABASE_HANDLE, DataSource, DatabaseService],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.handle.close();
  }
}
