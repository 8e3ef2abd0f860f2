/**
 * GetUserDetails benchmark: `npm run bench:details`.
 *
 * Builds the server (`nest build api`) and starts the BUILT API (what production runs) in a child
 * process on real PostgreSQL (a fresh database) and Redis (its own key prefix), seeds 1,000 teams /
 * 20,000 users / 5 roles each with set-based SQL, then measures with autocannon in another plain
 * Node child (bench/load.js; it competes with the server for the CPU: on 2 cores that caps every
 * figure, the bare endpoint's too, which is why the ratio is the figure to watch):
 *   - bare:  a bare Fastify JSON endpoint in a child process of the same kind (the ceiling);
 *   - warm:  GetUserDetails served from the cache (1,000 users, pre-warmed);
 *   - cold:  GetUserDetails cache misses (distinct, never-read users: every request is one SQL);
 *   - gRPC:  GetUserDetails over gRPC, a concurrent loop (64 in flight);
 * and the server's peak RSS under load. For warm and cold it also prints the share of requests whose time
 * inside the server (route histogram) exceeded 5/10/25 ms: where the client-side tail comes from. Env: BENCH_DURATION (s, default 10), BENCH_CONNECTIONS (64),
 * BENCH_PHASES (comma list of bare,floor,warm,cold,grpc; default all: e.g. `cold` alone to profile
 * misses), TEST_PG_ADMIN_URL / TEST_REDIS_URL as for the tests.
 */
import 'reflect-metadata';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import Redis from 'ioredis';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { generateProductKey } from '@avn/products';
import { USER_DIRECTORY_PROTO_OPTIONS, userDirectoryProtoPath } from '@avn/user-details';
import { createTestDatabase, deleteCacheKeys, randomCachePrefix, REDIS_URL } from '../test/support/test-env';

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const TEAMS = 1000;
const USERS_PER_TEAM = 20;
const ROLES_PER_USER = 5;
const WARM_USERS = 1000;
const PHASES = new Set((process.env.BENCH_PHASES ?? 'bare,floor,warm,cold,grpc').split(',').map((p) => p.trim()));
const SKIPPED: Figures = { sent: 0, rps: NaN, p50: NaN, p90: NaN, p99: NaN, p999: NaN, max: NaN, mean: NaN, errors: 0, non2xx: 0 };

interface Started {
  child: ChildProcess;
  port: number;
  grpcPort?: number;
}

function startChild(env: Record<string, string>): Promise<Started> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...serverNodeArgs(), join(__dirname, 'details-server.js')], {
      env: { ...pick(process.env, ['PATH', 'HOME']), ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      // BENCH_SERVER_STDOUT: a file that receives the server's stdout (e.g. with BENCH_SERVER_NODE_ARGS=--trace-gc).
      if (process.env.BENCH_SERVER_STDOUT) appendFileSync(process.env.BENCH_SERVER_STDOUT, chunk);
      buffer += chunk.toString();
      const line = buffer.split('\n').find((l) => l.startsWith('{"ready"'));
      if (line) {
        const info = JSON.parse(line) as { port: number; grpcPort?: number };
        resolve({ child, port: info.port, grpcPort: info.grpcPort });
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

/** The production server's Node flags (package.json config.serverNodeOptions, as `npm run start:prod` uses), plus BENCH_SERVER_NODE_ARGS. */
function serverNodeArgs(): string[] {
  const production = process.env.npm_package_config_serverNodeOptions ?? '';
  return `${production} ${process.env.BENCH_SERVER_NODE_ARGS ?? ''}`.split(' ').filter(Boolean);
}

function pick(env: NodeJS.ProcessEnv, names: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) if (env[n] !== undefined) out[n] = env[n]!;
  return out;
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

async function seed(url: string): Promise<{ productId: string; key: string; users: string[] }> {
  const pg = new Client({ connectionString: url });
  await pg.connect();
  try {
    const started = Date.now();
    // The migration owner (superuser here) seeds directly: RLS does not apply to it.
    const [{ id: productId }] = (
      await pg.query(`INSERT INTO aventian.tbl_master_products (code, name, allowed_resource_types)
                      VALUES ('bench', 'Bench', '{orders,invoices,customers,reports}') RETURNING id`)
    ).rows;
    await pg.query(
      `INSERT INTO aventian.tbl_privileges (product_id, resource_type, action, code)
       SELECT $1, r, a, r || ':' || a FROM unnest('{orders,invoices,customers,reports}'::text[]) r,
              unnest('{read,write,delete,export,approve}'::text[]) a`,
      [productId],
    );
    await pg.query(`INSERT INTO aventian.tbl_teams (name) SELECT 'Team ' || g FROM generate_series(1, ${TEAMS}) g`);
    await pg.query(
      `INSERT INTO aventian.tbl_team_product_assoc (team_id, product_id, plan, status) SELECT id, $1, 'pro', 'active' FROM aventian.tbl_teams`,
      [productId],
    );
    // 5 roles per team, each mapping 4 of the product's 20 privileges.
    await pg.query(
      `INSERT INTO aventian.tbl_roles (team_id, product_id, code, name)
       SELECT t.id, $1, 'role' || g, 'Role ' || g FROM aventian.tbl_teams t, generate_series(1, ${ROLES_PER_USER}) g`,
      [productId],
    );
    await pg.query(
      `INSERT INTO aventian.tbl_role_privileges (role_id, privilege_id, team_id)
       SELECT r.id, p.id, r.team_id
         FROM aventian.tbl_roles r
         JOIN (SELECT id, row_number() OVER (ORDER BY code) AS n FROM aventian.tbl_privileges WHERE product_id = $1) p
           ON (p.n - 1) / 4 + 1 = substring(r.code FROM 5)::int
        WHERE r.team_id IS NOT NULL`,
      [productId],
    );
    await pg.query(
      `INSERT INTO aventian.tbl_users (email, email_normalized, display_name)
       SELECT 'user' || g || '@bench.test', 'user' || g || '@bench.test', 'User ' || g FROM generate_series(1, ${TEAMS * USERS_PER_TEAM}) g`,
    );
    await pg.query(
      `INSERT INTO aventian.tbl_team_members (team_id, user_id)
       SELECT t.id, u.id
         FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM aventian.tbl_users WHERE email LIKE '%@bench.test') u
         JOIN (SELECT id, row_number() OVER (ORDER BY id) AS n FROM aventian.tbl_teams) t ON t.n = (u.n - 1) / ${USERS_PER_TEAM} + 1`,
    );
    await pg.query(
      `INSERT INTO aventian.tbl_member_roles (team_id, user_id, role_id)
       SELECT m.team_id, m.user_id, r.id FROM aventian.tbl_team_members m JOIN aventian.tbl_roles r ON r.team_id = m.team_id`,
    );
    // As autovacuum leaves a live database: statistics, and visibility maps for index-only scans.
    await pg.query('VACUUM ANALYZE');
    const generated = generateProductKey();
    await pg.query(`INSERT INTO aventian.api_keys (product_id, name, prefix, key_hash) VALUES ($1, 'bench', $2, $3)`, [
      productId,
      generated.prefix,
      generated.hash,
    ]);
    const users = (
      await pg.query<{ id: string }>(`SELECT id FROM aventian.tbl_users WHERE email LIKE '%@bench.test' ORDER BY random()`)
    ).rows.map((r) => r.id);
    const counts = (
      await pg.query(
        `SELECT (SELECT count(*) FROM aventian.tbl_member_roles) AS grants, (SELECT count(*) FROM aventian.tbl_role_privileges) AS mappings`,
      )
    ).rows[0];
    console.log(
      `seeded ${TEAMS} teams, ${users.length} users, ${counts.grants} role grants, ${counts.mappings} role privileges in ${Date.now() - started} ms`,
    );
    return { productId, key: generated.key, users };
  } finally {
    await pg.end();
  }
}

interface Figures {
  sent: number;
  rps: number;
  p50: number;
  p99: number;
  p90: number;
  p999: number;
  max: number;
  mean: number;
  errors: number;
  non2xx: number;
}

let specs = 0;

/** One autocannon run in a plain Node child (bench/load.js); `paths` are requested in turn. */
async function load(port: number, key: string, paths: string[], label: string, onTick?: () => void): Promise<Figures> {
  const spec = join(tmpdir(), `avn-bench-load-${process.pid}-${specs++}.json`);
  writeFileSync(spec, JSON.stringify({ url: `http://127.0.0.1:${port}`, key, connections: CONNECTIONS, duration: DURATION, paths }));
  const ticker = onTick ? setInterval(onTick, 250) : undefined;
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [join(__dirname, 'load.js'), spec], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`load generator exited with ${code}`))));
  });
  clearInterval(ticker);
  const figures = JSON.parse(output.trim().split('\n').pop()!) as Figures;
  console.log(
    `${label.padEnd(28)} ${figures.rps.toFixed(0).padStart(7)} req/s   p50 ${String(figures.p50).padStart(3)} ms   p99 ${String(figures.p99).padStart(3)} ms   errors ${figures.errors}  non-2xx ${figures.non2xx}`,
  );
  console.log(
    `${''.padEnd(28)} latency mean ${figures.mean.toFixed(1)} ms, p90 ${figures.p90} ms, p99.9 ${figures.p999} ms, max ${figures.max} ms`,
  );
  return figures;
}

/** Cumulative in-server latency buckets (le -> count) of GetUserDetails 200s, from the server's /metrics. */
async function detailsLatencyBuckets(base: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const buckets = new Map<string, number>();
  for (const m of text.matchAll(/^avn_http_request_duration_seconds_bucket\{([^}]*)\} (\d+)/gm)) {
    if (!m[1].includes('route="/v1/users/:userId/details"') || !m[1].includes('status="200"')) continue;
    const le = /le="([^"]+)"/.exec(m[1])![1];
    buckets.set(le, (buckets.get(le) ?? 0) + Number(m[2]));
  }
  return buckets;
}

/**
 * How much of the tail the server itself accounts for: the share of a phase's requests whose time
 * inside the server (Fastify's request start to response written, the route histogram) exceeded 5,
 * 10 and 25 ms. The rest of the client-side latency is queueing in sockets and for the CPU.
 */
async function printInServerTail(base: string, before: Map<string, number>): Promise<void> {
  const after = await detailsLatencyBuckets(base);
  const delta = (le: string) => (after.get(le) ?? 0) - (before.get(le) ?? 0);
  const total = delta('+Inf');
  const over = (le: string) => `${(((total - delta(le)) / Math.max(1, total)) * 100).toFixed(2)}%`;
  console.log(
    `${''.padEnd(28)} in the server: ${over('0.005')} of requests over 5 ms, ${over('0.01')} over 10 ms, ${over('0.025')} over 25 ms`,
  );
}

async function grpcLoop(port: number, key: string, users: string[], seconds: number): Promise<{ rps: number; errors: number }> {
  const definition = protoLoader.loadSync(userDirectoryProtoPath(), USER_DIRECTORY_PROTO_OPTIONS);
  const pkg = grpc.loadPackageDefinition(definition) as unknown as { aventian: { v1: { UserDirectory: grpc.ServiceClientConstructor } } };
  const client = new pkg.aventian.v1.UserDirectory(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
    GetUserDetails: (req: unknown, md: grpc.Metadata, cb: (err: grpc.ServiceError | null) => void) => void;
  };
  const md = new grpc.Metadata();
  md.set('authorization', `Bearer ${key}`);
  let done = 0;
  let errors = 0;
  let i = 0;
  const until = Date.now() + seconds * 1000;
  const worker = async () => {
    while (Date.now() < until) {
      await new Promise<void>((resolve) =>
        client.GetUserDetails({ userId: users[i++ % users.length] }, md, (err) => {
          if (err) {
            if (errors++ === 0) console.log(`first gRPC error: ${err.code} ${err.details}`);
          } else done++;
          resolve();
        }),
      );
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  client.close();
  return { rps: done / seconds, errors };
}

/** The benchmark measures the built server: compile it first (a few seconds). */
function buildServer(): void {
  const started = Date.now();
  const result = spawnSync(process.execPath, [require.resolve('@nestjs/cli/bin/nest.js'), 'build', 'api'], {
    cwd: join(__dirname, '..'),
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error('nest build api failed');
  console.log(`built the server (nest build api) in ${Date.now() - started} ms`);
}

async function main(): Promise<void> {
  buildServer();
  console.log(`server node flags: ${serverNodeArgs().join(' ') || '(none)'}`);
  console.log(
    `GetUserDetails benchmark: ${DURATION}s per run, ${CONNECTIONS} connections, node ${process.version}, ${cpus().length} cores`,
  );
  const database = await createTestDatabase('avn_bench');
  const prefix = `bench:${randomCachePrefix()}`;
  const children: ChildProcess[] = [];
  try {
    const apiEnv = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn', // no per-request access log line (it would be the same cost for every route)
      DATABASE_URL: database.url,
      REDIS_URL,
      CACHE_KEY_PREFIX: prefix,
      GRPC_PORT: '0',
      DATA_DIR: join(tmpdir(), `avn-bench-${process.pid}`),
      LOCAL_KEY_FILE: join(tmpdir(), `avn-bench-${process.pid}`, 'master.key'),
      PUBLIC_URL: 'http://127.0.0.1',
      // 4 connections: on 2 cores shared with the server, Redis and the load generator, more PostgreSQL
      // backends only queue for the same CPUs (and starve the single-threaded server); BENCH_POOL_MAX overrides.
      DATABASE_POOL_MAX: process.env.BENCH_POOL_MAX ?? '4',
    };
    const api = await startChild(apiEnv);
    children.push(api.child);
    const { key, users, productId } = await seed(database.url);
    const warmUsers = users.slice(0, WARM_USERS);
    const coldUsers = users.slice(WARM_USERS);

    // Pre-warm: the first read of a user records its dependencies, the second stores a servable entry.
    const base = `http://127.0.0.1:${api.port}`;
    const sample = await fetch(`${base}/v1/users/${warmUsers[0]}/details`, { headers: { authorization: `Bearer ${key}` } });
    const sampleBody = await sample.text();
    if (sample.status !== 200) throw new Error(`GetUserDetails answered ${sample.status}: ${sampleBody}`);
    console.log(`answer: ${sampleBody.length} bytes, e.g. ${sampleBody.slice(0, 160)}...`);
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < warmUsers.length; i += 50) {
        await Promise.all(
          warmUsers
            .slice(i, i + 50)
            .map((u) => fetch(`${base}/v1/users/${u}/details`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.text())),
        );
      }
    }

    const bare = await startChild({ BENCH_BARE: '1', BENCH_BARE_BODY: sampleBody });
    children.push(bare.child);

    const warmPaths = warmUsers.map((u) => `/v1/users/${u}/details`);
    const coldPaths = coldUsers.map((u) => `/v1/users/${u}/details`);
    const bareFigures = PHASES.has('bare') ? await load(bare.port, key, warmPaths, 'bare Fastify (ceiling)') : SKIPPED;
    // Decomposition: the same server's cheapest Nest route (Nest pipeline, logger, helmet; no auth, no cache).
    const nestFloor = PHASES.has('floor') ? await load(api.port, key, ['/health/live'], 'Nest route /health/live') : SKIPPED;
    let peakRss = 0;
    const sampleRss = () => {
      peakRss = Math.max(peakRss, rssMb(api.child.pid!));
    };
    let buckets = await detailsLatencyBuckets(base);
    const warm = PHASES.has('warm') ? await load(api.port, key, warmPaths, 'GetUserDetails warm (hit)', sampleRss) : SKIPPED;
    if (PHASES.has('warm')) await printInServerTail(base, buckets);
    // 19,000 cold users last ~5 s at this rate: so that no request can be a hit, the product's
    // version is bumped every second (what any change to the product does), which makes every entry
    // and in-process copy stale; a user comes round again only generations later.
    const bumper = new Redis(REDIS_URL);
    let bumps = 0;
    const bumpTimer = setInterval(() => void bumper.incr(`${prefix}ver:product:${productId}`).then(() => bumps++), 1000);
    buckets = await detailsLatencyBuckets(base);
    const cold = PHASES.has('cold') ? await load(api.port, key, coldPaths, 'GetUserDetails cold (miss)', sampleRss) : SKIPPED;
    if (PHASES.has('cold')) await printInServerTail(base, buckets);
    clearInterval(bumpTimer);
    bumper.disconnect();
    const c = cold.sent;
    const metricsText = await (await fetch(`${base}/metrics`)).text();
    const metric = (re: RegExp) =>
      metricsText
        .match(re)
        ?.map((l) => l.trim())
        .join(', ') || 'none';
    console.log(
      `server metrics: ${metric(/^avn_cache_reads_total\{.*$/gm)}; degraded: ${metric(/^avn_user_details_degraded_total\{.*$/gm)}`,
    );
    if (PHASES.has('grpc')) {
      const grpcFigures = await grpcLoop(api.grpcPort!, key, warmUsers, Math.min(DURATION, 5));
      console.log(
        `${'gRPC GetUserDetails warm'.padEnd(28)} ${grpcFigures.rps.toFixed(0).padStart(7)} req/s   (${CONNECTIONS} in flight)  errors ${grpcFigures.errors}`,
      );
    }

    const ratio = warm.rps / bareFigures.rps;
    console.log('');
    console.log(`ratio warm/bare = ${ratio.toFixed(2)} (target >= 0.6)`);
    console.log(`p99 warm = ${warm.p99} ms at ${CONNECTIONS} connections (target <= 10 ms); p99 cold = ${cold.p99} ms (target <= 25 ms)`);
    console.log(
      `Nest pipeline alone (/health/live) / bare = ${(nestFloor.rps / bareFigures.rps).toFixed(2)}: the framework share of the gap`,
    );
    console.log(`server RSS peak under load = ${peakRss.toFixed(0)} MB`);
    console.log(`cold requests = ${c} over ${coldUsers.length} distinct cold users, product version bumped ${bumps} times`);
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 3000));
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    if (process.env.BENCH_KEEP_DB === '1') console.log(`kept database ${database.url}`);
    else await database.drop().catch((e: unknown) => console.error(`could not drop ${database.name}: ${String(e)}`));
    await deleteCacheKeys(prefix);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
