import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import type { AppConfig } from '@avn/config';
import { findMigrationsDir, MigrationConnection, MigrationReport, MigrationRunner, readMigrations } from './migration-runner';

export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

/** An opened core database: the runtime DataSource (app role, RLS applies) plus its lifecycle. */
export interface DatabaseHandle {
  kind: 'postgres' | 'pglite';
  dataSource: DataSource;
  migrate(): Promise<MigrationReport>;
  poolStats(): PoolStats;
  close(): Promise<void>;
}

type Log = (message: string) => void;

export async function openDatabase(config: AppConfig, log: Log = () => undefined): Promise<DatabaseHandle> {
  return config.DATABASE_URL ? openPostgres(config, config.DATABASE_URL, log) : openPglite(config, log);
}

/** Runs the migrations on their own owner session (never through the app role). */
export async function migratePostgres(config: AppConfig, url: string, log: Log = () => undefined): Promise<MigrationReport> {
  const client = new Client({ connectionString: url, ssl: config.DATABASE_SSL ? { rejectUnauthorized: false } : undefined });
  await client.connect();
  try {
    const conn: MigrationConnection = { query: async (sql, params) => (await client.query(sql, params)).rows };
    return await new MigrationRunner(conn, { appRole: config.DATABASE_APP_ROLE, embedded: false, log }).run(
      readMigrations(findMigrationsDir()),
    );
  } finally {
    await client.end();
  }
}

async function openPostgres(config: AppConfig, url: string, log: Log): Promise<DatabaseHandle> {
  const ownerUrl = config.ownerDatabaseUrl ?? url;
  if (config.MIGRATE_ON_START) await migratePostgres(config, ownerUrl, log);
  const dataSource = new DataSource({
    type: 'postgres',
    url,
    ssl: config.DATABASE_SSL ? { rejectUnauthorized: false } : false,
    entities: [],
    synchronize: false,
    migrationsRun: false,
    logging: false,
    extra: {
      max: config.DATABASE_POOL_MAX,
      application_name: 'aventian-api',
      // Every runtime session runs as the non-owner app role, so RLS policies and grants apply (with
      // DATABASE_OWNER_URL set, the login role itself owns nothing either).
      options: `-c role=${config.DATABASE_APP_ROLE}`,
      connectionTimeoutMillis: 5000,
    },
  });
  await dataSource.initialize();
  return {
    kind: 'postgres',
    dataSource,
    migrate: () => migratePostgres(config, ownerUrl, log),
    poolStats: () => poolStatsOf(dataSource),
    close: async () => {
      if (dataSource.isInitialized) await dataSource.destroy();
    },
  };
}

async function openPglite(config: AppConfig, log: Log): Promise<DatabaseHandle> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { PGlite } = require('@electric-sql/pglite') as typeof import('@electric-sql/pglite');
  // contrib/* ships ESM types only; the CommonJS build is there at runtime.
  const { pgcrypto } = require('@electric-sql/pglite/contrib/pgcrypto') as { pgcrypto: import('@electric-sql/pglite').Extension };
  const { createPgConfig } = require('@electric-sql/pglite/node-postgres') as typeof import('@electric-sql/pglite/node-postgres');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const dataDir = config.DATA_DIR === 'memory://' ? 'memory://' : resolve(config.DATA_DIR, 'pgdata');
  if (dataDir !== 'memory://') mkdirSync(resolve(config.DATA_DIR), { recursive: true, mode: 0o700 });
  const pglite = new PGlite(dataDir, { extensions: { pgcrypto } });
  await pglite.waitReady;
  const pgConfig = createPgConfig(pglite);
  const dataSource = new DataSource({
    type: 'postgres',
    host: pgConfig.host,
    port: pgConfig.port,
    username: pgConfig.user,
    password: pgConfig.password,
    database: pgConfig.database,
    entities: [],
    synchronize: false,
    logging: false,
    // PGlite is one in-process backend: one connection, never closed while idle.
    extra: { connection: pgConfig.connection, max: 1, idleTimeoutMillis: 0 },
  });
  await dataSource.initialize();

  const migrate = async (): Promise<MigrationReport> => {
    const runner = dataSource.createQueryRunner();
    try {
      await runner.query('RESET ROLE');
      const conn: MigrationConnection = { query: (sql, params) => runner.query(sql, params) };
      return await new MigrationRunner(conn, { appRole: config.DATABASE_APP_ROLE, embedded: true, log }).run(
        readMigrations(findMigrationsDir()),
      );
    } finally {
      // Back to the app role for everything else on this single session.
      await runner.query(`SET ROLE ${config.DATABASE_APP_ROLE}`).catch(() => undefined);
      await runner.release();
    }
  };
  if (config.MIGRATE_ON_START) await migrate();
  else await dataSource.query(`SET ROLE ${config.DATABASE_APP_ROLE}`);

  return {
    kind: 'pglite',
    dataSource,
    migrate,
    poolStats: () => poolStatsOf(dataSource),
    close: async () => {
      if (dataSource.isInitialized) await dataSource.destroy();
      await pglite.close();
    },
  };
}

function poolStatsOf(dataSource: DataSource): PoolStats {
  const pool = (dataSource.driver as unknown as { master?: { totalCount: number; idleCount: number; waitingCount: number } }).master;
  return { total: pool?.totalCount ?? 0, idle: pool?.idleCount ?? 0, waiting: pool?.waitingCount ?? 0 };
}
