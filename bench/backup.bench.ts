/**
 * Backup/restore benchmark through the S3 store: `npm run bench:backup`.
 *
 * Starts s3rver (the S3 REST protocol, files on disk) in a CHILD process so the figures below are
 * this process's alone, seeds a fresh database with BENCH_EVENTS audit events (default 1,000,000, in
 * BENCH_CHAINS chains of valid hash chains; set-based inserts of 10,000 rows), then runs, with the
 * real BackupService and S3ObjectStore:
 *   - backup: pg_dump (custom format, compress 6) → AES-256-GCM → lib-storage multipart upload;
 *   - restore --latest: S3 GET → decrypt → pg_restore into an empty database;
 * and prints for each: seconds, MB/s (stored, i.e. compressed and encrypted, bytes), the database's
 * size per second, and this process's peak RSS (sampled every 50 ms; pg_dump/pg_restore run in their
 * own processes and are not counted). TEST_PG_ADMIN_URL as for the tests.
 */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { BackupService, canonicalJson } from '@avn/audit';
import { loadConfig } from '@avn/config';
import { LocalSecretProvider } from '@avn/crypto';
import { migratePostgres, newId } from '@avn/database';
import { S3ObjectStore } from '@avn/storage';
import { createTestDatabase } from '../test/support/test-env';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const CHAINS = Number(process.env.BENCH_CHAINS ?? 100);
const BATCH = 10_000;

async function startS3(dir: string): Promise<{ endpoint: string; stop(): void }> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(
    join(__dirname, '../node_modules/.bin/s3rver'),
    ['-d', dir, '-a', '127.0.0.1', '-p', String(port), '-s', '--configure-bucket', 'bench'],
    {
      stdio: 'ignore',
    },
  );
  const endpoint = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(`${endpoint}/bench`);
      return { endpoint, stop: () => child.kill('SIGTERM') };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  child.kill('SIGTERM');
  throw new Error('s3rver did not start');
}

async function seed(url: string): Promise<void> {
  const c = new Client({ connectionString: url });
  await c.connect();
  const perChain = Math.ceil(EVENTS / CHAINS);
  const teams = Array.from({ length: CHAINS }, () => newId());
  const prev = new Map<string, Buffer | null>();
  const started = Date.now();
  try {
    for (let seq = 1, written = 0; written < EVENTS;) {
      const rows: unknown[][] = [[], [], [], [], [], [], [], []];
      for (; rows[0].length < BATCH && written < EVENTS; seq++) {
        for (const team of teams) {
          if (rows[0].length >= BATCH || written >= EVENTS || seq > perChain) break;
          const e = {
            id: newId(),
            teamId: team,
            seq: String(seq),
            ts: new Date().toISOString(),
            actorId: null,
            actorType: 'system',
            action: 'bench.event',
            targetType: null,
            targetId: null,
            data: { seq, note: 'benchmark event' },
            requestId: null,
            ip: '127.0.0.1',
          };
          const before = prev.get(team) ?? null;
          const hash = createHash('sha256')
            .update(before ?? Buffer.alloc(0))
            .update(canonicalJson(e))
            .digest();
          prev.set(team, hash);
          [e.id, team, e.seq, e.ts, JSON.stringify(e.data), e.ip, before, hash].forEach((v, i) => rows[i].push(v));
          written++;
        }
      }
      await c.query(
        `INSERT INTO aventian_audit.audit_events (id, team_id, seq, ts, actor_type, action, data, ip, prev_hash, hash)
         SELECT id, team_id, seq, ts, 'system', 'bench.event', data, ip, prev_hash, hash
           FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::timestamptz[], $5::jsonb[], $6::text[], $7::bytea[], $8::bytea[])
             AS t(id, team_id, seq, ts, data, ip, prev_hash, hash)`,
        rows,
      );
      if (written % 200_000 < BATCH) process.stdout.write(`  seeded ${written} events (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
    }
    await c.query('VACUUM ANALYZE aventian_audit.audit_events');
  } finally {
    await c.end();
  }
}

async function measured<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number; peakRssMb: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50);
  const started = Date.now();
  try {
    const value = await fn();
    return { value, seconds: (Date.now() - started) / 1000, peakRssMb: Math.max(peak, process.memoryUsage.rss()) / 2 ** 20 };
  } finally {
    clearInterval(timer);
  }
}

async function dbSizeMb(url: string): Promise<number> {
  const c = new Client({ connectionString: url });
  await c.connect();
  const { rows } = await c.query<{ n: string }>('SELECT pg_database_size(current_database()) AS n').finally(() => c.end());
  return Number(rows[0].n) / 2 ** 20;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'avn-bench-backup-'));
  const s3 = await startS3(join(dir, 's3'));
  const source = await createTestDatabase('avn_bench_backup');
  const target = await createTestDatabase('avn_bench_restore');
  try {
    const config = loadConfig({ DATABASE_URL: source.url, DATA_DIR: dir, LOG_LEVEL: 'silent' });
    await migratePostgres(config, source.url);
    process.stdout.write(`seeding ${EVENTS} audit events in ${CHAINS} chains\n`);
    await seed(source.url);
    const size = await dbSizeMb(source.url);
    const store = new S3ObjectStore({
      bucket: 'bench',
      prefix: 'bench',
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    const backups = new BackupService(config, new LocalSecretProvider(join(dir, 'master.key')), store);
    const baseline = process.memoryUsage.rss() / 2 ** 20;
    const b = await measured(() => backups.backup());
    const mb = b.value.bytes / 2 ** 20;
    const r = await measured(() => backups.restore('latest', target.url));
    const restoredEvents = await (async () => {
      const c = new Client({ connectionString: target.url });
      await c.connect();
      return Number(
        (await c.query<{ n: string }>('SELECT count(*) AS n FROM aventian_audit.audit_events').finally(() => c.end())).rows[0].n,
      );
    })();
    const line = (name: string, m: { seconds: number; peakRssMb: number }) =>
      `${name.padEnd(8)} ${m.seconds.toFixed(1).padStart(6)} s  ${(mb / m.seconds).toFixed(1).padStart(6)} MB/s stored  ${(size / m.seconds).toFixed(1).padStart(6)} MB/s of database  peak RSS ${m.peakRssMb.toFixed(0)} MiB (baseline ${baseline.toFixed(0)} MiB)`;
    process.stdout.write(
      `\ndatabase ${size.toFixed(0)} MiB (${EVENTS} audit events); backup object ${mb.toFixed(1)} MiB (${b.value.key})\n`,
    );
    process.stdout.write(`${line('backup', b)}\n${line('restore', r)}\n`);
    process.stdout.write(
      `restored audit events: ${restoredEvents} (${restoredEvents === b.value.tables['aventian_audit.audit_events'] ? 'matches' : 'DIFFERS from'} the manifest)\n`,
    );
    store.onApplicationShutdown();
  } finally {
    s3.stop();
    await source.drop().catch(() => undefined);
    await target.drop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
