/**
 * Connection-encryption benchmark:
 *   npx ts-node -r tsconfig-paths/register --transpile-only bench/crypto.bench.ts
 *
 * 1. In-process AES-256-GCM figures: encrypt / decrypt of a connection string under a team data
 *    key, and data-key unwrap under the KEK (what a DEK cache miss costs).
 * 2. GET /v1/teams/:teamId/db-connection with a product key, warm, through autocannon against the
 *    real API in a child process (bench/details-server.ts) on real PostgreSQL + Redis: every
 *    request = key lookup + one SQL read + decrypt + an audit event in the team's hash chain.
 *    Measured for one team (all reads share one audit chain, serialised by its lock) and spread
 *    over TEAMS teams, next to a baseline with the same key check but no decrypt/audit
 *    (GET /v1/products/:code/privileges). Env: BENCH_DURATION (s, default 10), BENCH_CONNECTIONS (32), BENCH_TEAMS (20).
 */
import 'reflect-metadata';
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { decryptWithKey, encryptWithKey, generateDataKey, unwrapDataKey, wrapDataKey } from '@avn/crypto';
import { createTestDatabase, randomCachePrefix, REDIS_URL } from '../test/support/test-env';

interface CannonResult {
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}
// autocannon ships no type declarations; this is the part used here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as (opts: Record<string, unknown>, cb: (err: Error | null, result: CannonResult) => void) => void;

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const TEAMS = Number(process.env.BENCH_TEAMS ?? 20);
const ADMIN = { email: 'bench-admin@example.com', password: 'Bench-Admin-Password-1!' };

function micro(): void {
  const dek = generateDataKey();
  const kek = { id: 'bench', version: '1', key: generateDataKey() };
  const aad = Buffer.from('avn:dbconn:v1|team=0190f0f0-0000-7000-8000-000000000000|product=orders');
  const plain = Buffer.from('postgres://orders_0190f0f0000070008:Zm9vYmFyYmF6cXV4cXV1eA@db.internal:5432/orders_0190f0f0000070008');
  const rounds = 200_000;
  let blob = encryptWithKey(dek, plain, aad);
  let t0 = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) blob = encryptWithKey(dek, plain, aad);
  const enc = rounds / (Number(process.hrtime.bigint() - t0) / 1e9);
  t0 = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) decryptWithKey(dek, blob, aad);
  const dec = rounds / (Number(process.hrtime.bigint() - t0) / 1e9);
  const wrapped = wrapDataKey(kek, dek, Buffer.from('dek-aad'));
  t0 = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) unwrapDataKey(kek, wrapped, Buffer.from('dek-aad'));
  const unwrap = rounds / (Number(process.hrtime.bigint() - t0) / 1e9);
  console.log(`AES-256-GCM, ${plain.length}-byte connection string, one core:`);
  console.log(`  encrypt        ${Math.round(enc).toLocaleString('en')} ops/s  (${(1e6 / enc).toFixed(2)} µs/op)`);
  console.log(`  decrypt        ${Math.round(dec).toLocaleString('en')} ops/s  (${(1e6 / dec).toFixed(2)} µs/op)`);
  console.log(`  unwrap DEK     ${Math.round(unwrap).toLocaleString('en')} ops/s  (${(1e6 / unwrap).toFixed(2)} µs/op)`);
}

function startServer(env: Record<string, string>): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', join(__dirname, 'details-server.ts')],
      {
        cwd: join(__dirname, '..'),
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TS_NODE_TRANSPILE_ONLY: 'true', ...env },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const line = buffer.split('\n').find((l) => l.startsWith('{"ready"'));
      if (line) resolve({ child, port: (JSON.parse(line) as { port: number }).port });
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- bench fixtures read ad-hoc fields of the answers
async function call(base: string, method: string, path: string, token: string | undefined, body?: unknown): Promise<any> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path} -> ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

function cannon(url: string, key: string, paths: string[]): Promise<CannonResult> {
  let i = 0;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        connections: CONNECTIONS,
        duration: DURATION,
        headers: { authorization: `Bearer ${key}` },
        requests: [{ method: 'GET', setupRequest: (req: Record<string, unknown>) => ({ ...req, path: paths[i++ % paths.length] }) }],
      },
      (err: Error | null, result: CannonResult) => (err ? reject(err) : resolve(result)),
    );
  });
}

function report(label: string, r: CannonResult): void {
  const non2xx = r.non2xx + r.errors;
  console.log(
    `  ${label.padEnd(26)} ${Math.round(r.requests.average).toLocaleString('en').padStart(7)} req/s  p50 ${r.latency.p50} ms  p99 ${r.latency.p99} ms  (${non2xx} non-2xx/errors)`,
  );
}

async function main(): Promise<void> {
  micro();
  const db = await createTestDatabase('avn_bench');
  const dataDir = join('/tmp', `avn-bench-${Date.now()}`);
  const server = await startServer({
    NODE_ENV: 'production',
    PUBLIC_URL: 'http://127.0.0.1',
    LOCAL_KEY_FILE: join(dataDir, 'master.key'),
    LOG_LEVEL: 'warn',
    DATABASE_URL: db.url,
    REDIS_URL,
    CACHE_KEY_PREFIX: randomCachePrefix(),
    DATA_DIR: dataDir,
    PORT: '0',
    GRPC_PORT: '0',
    AVN_BOOTSTRAP_ADMIN_EMAIL: ADMIN.email,
    AVN_BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
  });
  const base = `http://127.0.0.1:${server.port}`;
  try {
    const admin = (await call(base, 'POST', '/v1/auth/login', undefined, ADMIN)).accessToken as string;
    await call(base, 'POST', '/v1/products', admin, {
      code: 'bench',
      name: 'Bench',
      provisioningScript: 'example-provision.js',
      dashboardUrl: 'https://bench.example.com',
      allowedResourceTypes: [],
    });
    const key = (await call(base, 'POST', '/v1/products/bench/api-keys', admin, { name: 'bench' })).key as string;
    const teams: string[] = [];
    for (let i = 0; i < TEAMS; i++) {
      const owner = await call(base, 'POST', '/v1/auth/signup', undefined, {
        email: `bench-${i}-${Date.now()}@example.com`,
        password: 'Bench-Owner-Password-1!',
        displayName: `Owner ${i}`,
        teamName: `Team ${i}`,
      });
      const sub = await call(base, 'POST', `/v1/teams/${owner.team.id}/subscriptions`, owner.accessToken, {
        productCode: 'bench',
        plan: 'pro',
      });
      if (sub.status !== 'active') throw new Error(`subscription ${sub.status}`);
      teams.push(owner.team.id);
    }
    const paths = teams.map((id) => `/v1/teams/${id}/db-connection`);
    await cannon(base, key, paths); // warm-up (JIT, pools, DEK cache)
    console.log(`GET /v1/teams/:teamId/db-connection (product key, decrypt + audited), ${CONNECTIONS} connections, ${DURATION} s:`);
    report('one team (one audit chain)', await cannon(base, key, paths.slice(0, 1)));
    report(`${TEAMS} teams round-robin`, await cannon(base, key, paths));
    // Same auth path without decrypt and audit: the ratio shows what they cost on this machine.
    report('baseline: GET privileges', await cannon(base, key, ['/v1/products/bench/privileges']));
  } finally {
    server.child.kill('SIGTERM');
    await new Promise((r) => server.child.once('exit', r));
    await db.drop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
