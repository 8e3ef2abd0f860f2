import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { CacheStore } from '@avn/cache';
import { AppConfig, loadConfig } from '@avn/config';
import { DatabaseService } from '@avn/database';
import { ApiApp, createApiApp } from '../../apps/api/src/create-app';
import { createTestDatabase, randomCachePrefix, REDIS_URL, TestDatabase } from './test-env';

export interface TestApp {
  api: ApiApp;
  config: AppConfig;
  http: TestAgent;
  db: DatabaseService;
  cache: CacheStore;
  /** The test database (real PostgreSQL mode only). */
  database?: TestDatabase;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** 'postgres' (default): a fresh database on the local server + real Redis with a random prefix.
   *  'embedded': PGlite in memory + in-process cache. */
  mode?: 'postgres' | 'embedded';
  env?: Record<string, string>;
  /** Reuse an existing database (second instance of the same deployment). */
  database?: TestDatabase;
  /** Reuse a cache prefix (second instance sharing Redis). */
  cachePrefix?: string;
}

/** The key-encryption key file shared by every instance started on `database`. */
export function deploymentKeyFile(database: TestDatabase): string {
  return join(tmpdir(), `avn-test-keys`, `${database.name}.key`);
}

/**
 * Starts the real API (real migrations, real PostgreSQL + Redis, or the embedded default) on an
 * ephemeral port and returns a supertest agent for it. `close` stops it and drops what it created.
 */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const mode = options.mode ?? 'postgres';
  const dataDir = mkdtempSync(join(tmpdir(), 'avn-test-'));
  const ownsDatabase = mode === 'postgres' && !options.database;
  const database = mode === 'postgres' ? (options.database ?? (await createTestDatabase())) : undefined;
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    PORT: '0',
    GRPC_PORT: '0',
    DATA_DIR: mode === 'embedded' ? 'memory://' : dataDir,
    // Instances of one deployment (same database) share their key file, like a fleet sharing a mounted secret.
    LOCAL_KEY_FILE: database ? deploymentKeyFile(database) : join(dataDir, 'master.key'),
    OBJECT_STORE_DIR: join(dataDir, 'objects'),
    // Suites run retention themselves (RetentionService.run / scheduler.tick), never on a timer.
    RETENTION_JOB: 'off',
    ...(database ? { DATABASE_URL: database.url, REDIS_URL, CACHE_KEY_PREFIX: options.cachePrefix ?? randomCachePrefix() } : {}),
    ...options.env,
  };
  let config: AppConfig;
  let api: ApiApp;
  try {
    config = loadConfig(env);
    api = await createApiApp(config, { logger: env.LOG_LEVEL !== 'silent' });
    await api.app.listen({ port: 0, host: '127.0.0.1' });
  } catch (error) {
    if (ownsDatabase) await database?.drop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const http = request(api.app.getHttpServer());
  return {
    api,
    config,
    http,
    db: api.app.get(DatabaseService),
    cache: api.cache,
    database,
    close: async () => {
      await api.app.close();
      if (ownsDatabase) await database?.drop().catch(() => undefined);
      if (ownsDatabase) rmSync(deploymentKeyFile(database!), { force: true });
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
