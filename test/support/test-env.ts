import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { Client } from 'pg';

/** Server used by integration/e2e tests (CI starts it; see .ci/run). Override with TEST_PG_ADMIN_URL. */
export const PG_ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

export const randomSuffix = (): string => randomBytes(6).toString('hex');

/** Runs one statement on the test server's admin connection (databases and roles are cluster-wide). */
export async function adminQuery(sql: string): Promise<void> {
  const admin = new Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

/** A fresh, empty database with a random name; `drop` removes it (terminating leftover sessions). */
export async function createTestDatabase(prefix = 'avn_test'): Promise<TestDatabase> {
  const name = `${prefix}_${randomSuffix()}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** A Redis key prefix no other test uses. */
export const randomCachePrefix = (): string => `t${randomSuffix()}:`;

/** Deletes every Redis key under `prefix` (a test's or benchmark's own key space). */
export async function deleteCacheKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
